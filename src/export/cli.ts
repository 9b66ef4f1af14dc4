/**
 * `npm run dmr -- export --format pytorch --out DIR [network flags | --spec file.json]
 * [--dataset cifar10|cifar100|svhn]`: writes the PyTorch project of a network. The network
 * flags are the other dmr commands' (handed to src/model/cli.ts's `spec` command, so they
 * mean the same and fail with the same messages). Flags are read by Node's parseArgs
 * (src/model/cliFlags.ts); file access is passed in.
 */
import { NETWORK_OPTIONS, runDmr, type CliIo, type CliResult } from '../model/cli';
import { CliUsageError, readFlags } from '../model/cliFlags';
import { ExportError, exportPyTorchProject, type ExportFile } from './project';
import type { ExportDataset } from './readme';

export const EXPORT_USAGE = `usage: npm run dmr -- export --format pytorch --out DIR [network flags] [--dataset NAME]

  --format pytorch   the only format: model.py, train.py (torchrun/DDP), data.py, README.md
  --out DIR          the folder to write (created; files in it are replaced)
  --dataset cifar10|cifar100|svhn   train.py's default dataset (default: by the class count)
  network flags      --arch/--L/--widen/--K/--classes/--sharing or --spec file.json,
                     as for npm run dmr -- params

example: npm run dmr -- export --format pytorch --out dmrnet-l12 --arch dmrnet --L 12`;

const DATASETS: readonly ExportDataset[] = ['cifar10', 'cifar100', 'svhn'];

export interface ExportCliResult extends CliResult {
  /** The folder to write and its files (empty when the command failed). */
  out: string | null;
  files: ExportFile[];
}

function fail(message: string, code: number, usage = false): ExportCliResult {
  return {
    stdout: '',
    stderr: `error: ${message}\n${usage ? `\n${EXPORT_USAGE}\n` : ''}`,
    code,
    out: null,
    files: [],
  };
}

const EXPORT_OPTIONS = {
  ...NETWORK_OPTIONS,
  format: { type: 'string' },
  out: { type: 'string' },
  dataset: { type: 'string' },
} as const;

export function runExportCli(argv: string[], io: CliIo): ExportCliResult {
  if (argv.includes('--help') || argv.includes('-h')) {
    return { stdout: `${EXPORT_USAGE}\n`, stderr: '', code: 0, out: null, files: [] };
  }
  let values;
  try {
    values = readFlags(argv, EXPORT_OPTIONS);
  } catch (e) {
    if (e instanceof CliUsageError) return fail(e.message, 2, true);
    throw e;
  }
  const format = values.format ?? 'pytorch';
  if (format !== 'pytorch')
    return fail(`--format ${format} is not supported: use pytorch`, 2, true);
  const out = values.out;
  if (out === undefined) return fail('give --out DIR, the folder to write the project to', 2, true);
  const dataset = values.dataset;
  if (dataset !== undefined && !(DATASETS as readonly string[]).includes(dataset)) {
    return fail(`--dataset must be one of ${DATASETS.join(', ')} (got "${dataset}")`, 2, true);
  }
  // The network flags go on to the `spec` command as they came, one `--flag=value` each.
  const networkFlags = Object.keys(NETWORK_OPTIONS).flatMap((key) => {
    const value = values[key as keyof typeof NETWORK_OPTIONS];
    return value === undefined ? [] : [`--${key}=${value}`];
  });
  const spec = runDmr(['spec', ...networkFlags, '--json'], io);
  if (spec.code !== 0) return { ...spec, out: null, files: [] };
  try {
    const files = exportPyTorchProject(JSON.parse(spec.stdout), {
      dataset: dataset as ExportDataset | undefined,
    });
    const list = files.map((f) => `  ${out}/${f.path}`).join('\n');
    return {
      stdout: `PyTorch project written to ${out}:\n${list}\nNext: see ${out}/README.md (python3 ${out}/model.py prints the parameter count)\n`,
      stderr: '',
      code: 0,
      out,
      files,
    };
  } catch (e) {
    if (e instanceof ExportError) return fail(e.message, 1);
    throw e;
  }
}

export interface ProjectWriter {
  mkdir(path: string): void;
  writeFile(path: string, contents: string | Uint8Array): void;
  rename(from: string, to: string): void;
}

/** Writes each file through a temporary name and a rename, so none is ever half-written. */
export function writeProject(out: string, files: readonly ExportFile[], fs: ProjectWriter): void {
  fs.mkdir(out);
  for (const f of files) {
    const path = `${out}/${f.path}`;
    fs.writeFile(`${path}.tmp`, f.contents);
    fs.rename(`${path}.tmp`, path);
  }
}
