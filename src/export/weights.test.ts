import { describe, expect, it } from 'vitest';
import { weightNames } from '../model/plan';
import { tinyClassroom } from '../model/presets';
import { hwioToOihw, toTorchWeights, transpose2d } from './weights';

describe('weights to PyTorch layout', () => {
  it('moves a HWIO kernel to OIHW', () => {
    // shape [kh=1, kw=2, in=2, out=3]; value encodes (h, w, i, o) as 1000h + 100w + 10i + o
    const shape = [1, 2, 2, 3];
    const hwio = new Float32Array(12);
    for (let w = 0; w < 2; w++)
      for (let i = 0; i < 2; i++)
        for (let o = 0; o < 3; o++) hwio[(w * 2 + i) * 3 + o] = 100 * w + 10 * i + o;
    const oihw = hwioToOihw(hwio, shape);
    for (let o = 0; o < 3; o++)
      for (let i = 0; i < 2; i++)
        for (let w = 0; w < 2; w++) expect(oihw[(o * 2 + i) * 2 + w]).toBe(100 * w + 10 * i + o);
  });

  it('transposes the classifier', () => {
    expect(Array.from(transpose2d(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3))).toEqual([
      1, 4, 2, 5, 3, 6,
    ]);
  });

  it('maps every weight of a spec by name and refuses weights of another network', () => {
    const spec = tinyClassroom({ width: 4 });
    const tf = weightNames(spec).map((w) => ({
      name: w.name,
      shape: w.shape,
      data: new Float32Array(w.shape.reduce((a, b) => a * b, 1)),
    }));
    const torch = toTorchWeights(spec, tf);
    expect(torch.map((t) => t.name)).toEqual(tf.map((t) => t.name));
    const fc = torch.find((t) => t.name === 'fc.weight');
    expect(fc?.shape).toEqual([10, 16]);
    expect(torch.find((t) => t.name === 'conv0.conv.weight')?.shape).toEqual([4, 3, 3, 3]);
    expect(() => toTorchWeights(spec, tf.slice(1))).toThrow(/1 missing \(conv0\.conv\.weight\)/);
    const wrong = tf.map((t) =>
      t.name === 'fc.bias' ? { ...t, shape: [9], data: new Float32Array(9) } : t,
    );
    expect(() => toTorchWeights(spec, wrong)).toThrow(/fc\.bias has shape \[9\]/);
  });
});
