import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { zipProject } from './zip';

describe('zipProject', () => {
  it('puts every file, text or binary, under the folder', () => {
    const zip = zipProject(
      [
        { path: 'model.py', contents: 'print("hi")\n' },
        { path: 'weights.safetensors', contents: new Uint8Array([1, 2, 3]) },
      ],
      'dmrnet-l12',
    );
    const back = unzipSync(zip);
    expect(Object.keys(back).sort()).toEqual([
      'dmrnet-l12/model.py',
      'dmrnet-l12/weights.safetensors',
    ]);
    expect(strFromU8(back['dmrnet-l12/model.py'] as Uint8Array)).toBe('print("hi")\n');
    expect(Array.from(back['dmrnet-l12/weights.safetensors'] as Uint8Array)).toEqual([1, 2, 3]);
  });
});
