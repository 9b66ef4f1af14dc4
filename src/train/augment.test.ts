import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  augmentAndNormalize,
  cropBoxes,
  drawAugmentation,
  padFill,
  type AugmentParams,
} from './augment';
import { createRng } from '../model/random';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Pixel (n, y, x, c) = 1 + n * 1000 + y * 40 + x * 3 + c: every value says where it came from. */
function labelled(n: number, h: number, w: number, c: number): tf.Tensor4D {
  const values = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++)
          values[((i * h + y) * w + x) * c + ch] = 1 + i * 1000 + y * 40 + x * 3 + ch;
  return tf.tensor4d(values, [n, h, w, c]);
}

/** The expected crop: from the padded image (zero or `fill`), rows top.., columns left.., maybe mirrored. */
function expectedCrop(
  src: Float32Array,
  i: number,
  h: number,
  w: number,
  c: number,
  params: AugmentParams,
): number[] {
  const out: number[] = [];
  const top = params.offsets[2 * i]!;
  const left = params.offsets[2 * i + 1]!;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) {
        const xx = params.flips[i] ? w - 1 - x : x;
        const sy = top + y - params.pad;
        const sx = left + xx - params.pad;
        const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        out.push(inside ? src[((i * h + sy) * w + sx) * c + ch]! : (params.fill?.[ch] ?? 0));
      }
  return out;
}

describe('augmentation', () => {
  it('draws crop offsets within [0, 2 * pad] and flips about half, deterministically', () => {
    const a = drawAugmentation(createRng(5), 1000, 4);
    const b = drawAugmentation(createRng(5), 1000, 4);
    expect(a).toEqual(b);
    expect(Math.min(...a.offsets)).toBe(0);
    expect(Math.max(...a.offsets)).toBe(8);
    const flipped = a.flips.reduce((s, f) => s + f, 0);
    expect(flipped).toBeGreaterThan(430);
    expect(flipped).toBeLessThan(570);
  });

  it('crops exactly inside the zero-padded image and flips exactly the chosen images', async () => {
    const [n, h, w, c] = [6, 8, 8, 3];
    const raw = labelled(n, h, w, c);
    const src = raw.dataSync() as Float32Array;
    // Extreme and middle offsets; images 1, 2 and 5 flipped.
    const params: AugmentParams = {
      offsets: Int32Array.from([0, 0, 8, 8, 0, 8, 8, 0, 4, 4, 3, 5]),
      flips: Uint8Array.from([0, 1, 1, 0, 0, 1]),
      pad: 4,
    };
    const out = augmentAndNormalize(raw, params, [0, 0, 0], [1, 1, 1]);
    expect(out.shape).toEqual([n, h, w, c]);
    const values = Array.from(await out.data());
    const per = h * w * c;
    for (let i = 0; i < n; i++) {
      expect(values.slice(i * per, (i + 1) * per)).toEqual(expectedCrop(src, i, h, w, c, params));
    }
    // A flipped image differs from its unflipped crop, so the test would catch a missing flip.
    const unflipped = expectedCrop(src, 1, h, w, c, { ...params, flips: new Uint8Array(n) });
    expect(values.slice(per, 2 * per)).not.toEqual(unflipped);
    tf.dispose([raw, out]);
  });

  it('pads with the per-channel fill when given (the mean fill), exactly', async () => {
    const [n, h, w, c] = [6, 8, 8, 3];
    const raw = labelled(n, h, w, c);
    const src = raw.dataSync() as Float32Array;
    const fill = padFill('mean', [125.3, 122.9, 113.5]);
    expect(fill).toEqual([125, 123, 114]);
    expect(padFill('zero', [125.3, 122.9, 113.5])).toEqual([0, 0, 0]);
    const params: AugmentParams = {
      offsets: Int32Array.from([0, 0, 8, 8, 0, 8, 8, 0, 4, 4, 3, 5]),
      flips: Uint8Array.from([0, 1, 1, 0, 0, 1]),
      pad: 4,
      fill,
    };
    const out = augmentAndNormalize(raw, params, [0, 0, 0], [1, 1, 1]);
    const values = Array.from(await out.data());
    const per = h * w * c;
    for (let i = 0; i < n; i++) {
      expect(values.slice(i * per, (i + 1) * per)).toEqual(expectedCrop(src, i, h, w, c, params));
    }
    // The corner of image 0 (offset 0, 0) is padding: the fill, not zero.
    expect(values.slice(0, 3)).toEqual([125, 123, 114]);
    tf.dispose([raw, out]);
  });

  it('normalises each channel with the given mean and std, and changes nothing else without params', async () => {
    const raw = tf.tensor4d([10, 20, 30, 50, 60, 70], [1, 1, 2, 3]);
    const out = augmentAndNormalize(raw, null, [10, 20, 30], [2, 4, 8]);
    expect(Array.from(await out.data())).toEqual([0, 0, 0, 20, 10, 5]);
    tf.dispose([raw, out]);
  });

  it('mirrors the crop box for a flipped image', () => {
    const boxes = cropBoxes(
      { offsets: Int32Array.from([2, 3]), flips: Uint8Array.from([1]), pad: 4 },
      32,
      32,
    );
    expect(boxes[1]! * 39).toBeCloseTo(34, 5);
    expect(boxes[3]! * 39).toBeCloseTo(3, 5);
  });
});
