import { describe, expect, it } from 'vitest';
import { analyzeNetwork } from '../model/analysis';
import { weightNames } from '../model/plan';
import { fromPaper, tinyClassroom } from '../model/presets';
import { ExportError, exportPyTorchProject, slug } from './project';
import { readSafetensors } from './safetensors';

function text(files: { path: string; contents: string | Uint8Array }[], path: string): string {
  const f = files.find((x) => x.path === path);
  if (!f || typeof f.contents !== 'string') throw new Error(`no ${path}`);
  return f.contents;
}

describe('PyTorch project export', () => {
  it('writes model.py with the spec embedded, train.py, data.py, README and requirements', () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 12 });
    const files = exportPyTorchProject(spec);
    expect(files.map((f) => f.path).sort()).toEqual(
      ['README.md', 'data.py', 'model.py', 'requirements.txt', 'spec.json', 'train.py'].sort(),
    );
    const model = text(files, 'model.py');
    expect(model).not.toContain('__SPEC_JSON__');
    const embedded = /SPEC_JSON = r"""([\s\S]*?)"""/.exec(model)?.[1];
    expect(JSON.parse(embedded ?? 'null')).toEqual(spec);
    expect(text(files, 'train.py')).toContain('default="cifar10"');
    expect(text(files, 'README.md')).toContain(`parameters: ${analyzeNetwork(spec).params}`);
    expect(text(files, 'README.md')).toContain('torchrun --standalone --nproc_per_node 2 train.py');
  });

  it('picks CIFAR-100 for 100 classes and keeps odd names safe', () => {
    const spec = {
      ...fromPaper({ arch: 'resnet', L: 12, classes: 100 }),
      name: 'a """ \\ $& name',
    };
    const files = exportPyTorchProject(spec);
    expect(text(files, 'train.py')).toContain('default="cifar100"');
    const embedded = /SPEC_JSON = r"""([\s\S]*?)"""\n/.exec(text(files, 'model.py'))?.[1];
    expect(JSON.parse(embedded ?? 'null').name).toBe('a """ \\ $& name');
    expect(slug('DMRNet-Wide, L=30 (x4)')).toBe('dmrnet-wide-l-30-x4');
  });

  it('adds weights.safetensors in PyTorch layout when given weights', () => {
    const spec = tinyClassroom({ width: 4 });
    const weights = weightNames(spec).map((w, i) => ({
      name: w.name,
      shape: w.shape,
      data: new Float32Array(w.shape.reduce((a, b) => a * b, 1)).fill(i),
    }));
    const files = exportPyTorchProject(spec, { weights });
    const st = files.find((f) => f.path === 'weights.safetensors');
    expect(st?.contents).toBeInstanceOf(Uint8Array);
    const back = readSafetensors(st?.contents as Uint8Array);
    expect(back.tensors.map((t) => t.name)).toEqual(weights.map((w) => w.name));
    expect(back.tensors.find((t) => t.name === 'fc.weight')?.shape).toEqual([10, 16]);
    expect(text(files, 'README.md')).toContain('python3 model.py --weights weights.safetensors');
  });

  it('refuses an unsupported spec with a message that says what to change', () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 12 });
    expect(() =>
      exportPyTorchProject({ ...spec, input: { height: 64, width: 64, channels: 3 } }),
    ).toThrow(/takes 64x64x3: set the input to 32x32 with 3 channels/);
    expect(() => exportPyTorchProject({ ...spec, classes: 7 })).toThrow(
      /has 7: set classes to 10 or 100/,
    );
    expect(() => exportPyTorchProject(spec, { dataset: 'cifar100' })).toThrow(/set classes to 100/);
    expect(() => exportPyTorchProject({ ...spec, stages: [] })).toThrow(ExportError);
    expect(() => exportPyTorchProject({ ...spec, stages: [] })).toThrow(/at least one stage/);
  });
});
