/**
 * The PyTorch export: one NetworkSpec (and optionally a run's weights) in, the files of a
 * self-contained PyTorch project out, as {path, contents}. Pure: the CLI writes them to disk,
 * the UI zips them.
 */
import { analyzeNetwork } from '../model/analysis';
import { validateSpec } from '../model/schema';
import type { NetworkSpec } from '../model/spec';
import { DATA_PY } from './python/dataPy';
import { MODEL_PY } from './python/modelPy';
import { TRAIN_PY } from './python/trainPy';
import { projectReadme, type ExportDataset } from './readme';
import { writeSafetensors, type NamedTensor } from './safetensors';
import { toTorchWeights } from './weights';

export interface ExportFile {
  /** Relative path inside the project. */
  path: string;
  contents: string | Uint8Array;
}

export interface ExportOptions {
  /** The network's weights in the playground's (tfjs) layout, by name: written as safetensors. */
  weights?: readonly NamedTensor[];
  /** The dataset train.py defaults to (default: CIFAR-100 for 100 classes, else CIFAR-10). */
  dataset?: ExportDataset;
}

/** The spec cannot be exported; `message` says why and what to change. */
export class ExportError extends Error {
  override name = 'ExportError';
}

const CLASSES: Record<ExportDataset, number> = { cifar10: 10, cifar100: 100, svhn: 10 };

/** A folder-safe name: lower case letters, digits and dashes. */
export function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return s || 'network';
}

/** The spec as it can be exported, or ExportError with every reason it cannot. */
export function checkExportable(value: unknown, dataset?: ExportDataset): NetworkSpec {
  const v = validateSpec(value);
  if (!v.ok) throw new ExportError(`this network cannot be exported: ${v.errors.join('; ')}`);
  const spec = v.spec;
  const errors: string[] = [];
  const { height, width, channels } = spec.input;
  if (height !== 32 || width !== 32 || channels !== 3) {
    errors.push(
      `train.py reads CIFAR and SVHN (32x32 RGB images), but this network takes ${height}x${width}x${channels}: set the input to 32x32 with 3 channels`,
    );
  }
  if (dataset !== undefined && CLASSES[dataset] !== spec.classes) {
    errors.push(
      `${dataset} has ${CLASSES[dataset]} classes but the network has ${spec.classes}: set classes to ${CLASSES[dataset]}`,
    );
  } else if (spec.classes !== 10 && spec.classes !== 100) {
    errors.push(
      `train.py's datasets have 10 (CIFAR-10, SVHN) or 100 classes (CIFAR-100), but this network has ${spec.classes}: set classes to 10 or 100`,
    );
  }
  if (errors.length > 0) {
    throw new ExportError(`this network cannot be exported: ${errors.join('; ')}`);
  }
  return spec;
}

/** All files of the PyTorch project for `spec`. Throws ExportError for an unsupported spec. */
export function exportPyTorchProject(value: unknown, options: ExportOptions = {}): ExportFile[] {
  const spec = checkExportable(value, options.dataset);
  const dataset: ExportDataset = options.dataset ?? (spec.classes === 100 ? 'cifar100' : 'cifar10');
  const runName = slug(spec.name);
  const specJson = JSON.stringify(spec, null, 2);
  // Safe inside Python's r"""...""": JSON escapes every quote in a string as \" and never puts
  // three structural quotes in a row.
  const files: ExportFile[] = [
    { path: 'model.py', contents: MODEL_PY.replace('__SPEC_JSON__', () => specJson) },
    {
      path: 'train.py',
      contents: TRAIN_PY.replace('__DATASET__', () => dataset).replace(
        '__RUN_NAME__',
        () => runName,
      ),
    },
    { path: 'data.py', contents: DATA_PY },
    { path: 'spec.json', contents: `${specJson}\n` },
    { path: 'requirements.txt', contents: 'torch>=1.13\nnumpy>=1.21\n' },
  ];
  if (options.weights) {
    const torch = toTorchWeights(spec, options.weights);
    files.push({
      path: 'weights.safetensors',
      contents: writeSafetensors(torch, { network: spec.name, source: 'dmrnet-playground' }),
    });
  }
  files.push({
    path: 'README.md',
    contents: projectReadme({
      spec,
      params: analyzeNetwork(spec).params,
      dataset,
      runName,
      hasWeights: options.weights !== undefined,
    }),
  });
  return files;
}
