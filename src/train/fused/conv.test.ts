import { describe, expect, it } from 'vitest';
import { convShape, filterGradChunks } from './conv';

describe('convShape', () => {
  it("follows tfjs's output size for a numeric pad", () => {
    expect(convShape([8, 32, 32, 3], [3, 3, 3, 16], 1, 1)).toMatchObject({ oh: 32, ow: 32 });
    // Strided 3x3 pad 1 and 1x1 pad 0 projections halve 32 to 16 (floor((32-3+2)/2)+1 = 16).
    expect(convShape([8, 32, 32, 16], [3, 3, 16, 32], 2, 1)).toMatchObject({ oh: 16, ow: 16 });
    expect(convShape([8, 32, 32, 16], [1, 1, 16, 32], 2, 0)).toMatchObject({ oh: 16, ow: 16 });
    expect(convShape([2, 7, 9, 4], [3, 3, 4, 4], 2, 1)).toMatchObject({ oh: 4, ow: 5 });
  });

  it('refuses a filter that does not fit the input', () => {
    expect(() => convShape([1, 8, 8, 4], [3, 3, 8, 4], 1, 1)).toThrow(/takes 8 channels/);
    expect(() => convShape([1, 8, 8, 4], [3, 1, 4, 4], 1, 1)).toThrow(/square/);
  });
});

describe('filterGradChunks', () => {
  it('covers every output pixel exactly once, in at most one chunk per 16 pixels', () => {
    for (const [x, f, stride, pad] of [
      [[2, 9, 9, 3], [3, 3, 3, 4], 1, 1],
      [[64, 32, 32, 16], [3, 3, 16, 16], 1, 1],
      [[64, 8, 8, 64], [3, 3, 64, 64], 1, 1],
      [[1, 4, 4, 4], [3, 3, 4, 4], 1, 1],
      [[8, 32, 32, 16], [1, 1, 16, 32], 2, 0],
    ] as const) {
      const s = convShape(x, f, stride, pad);
      const m = s.n * s.oh * s.ow;
      const { chunks, chunkSize } = filterGradChunks(s);
      expect(chunks * chunkSize).toBeGreaterThanOrEqual(m);
      expect((chunks - 1) * chunkSize).toBeLessThan(m);
      expect(chunks).toBeLessThanOrEqual(Math.ceil(m / 16));
    }
  });

  it('uses one pass for a handful of pixels, and many chunks for a small filter', () => {
    expect(filterGradChunks(convShape([1, 4, 4, 4], [3, 3, 4, 4], 1, 1)).chunks).toBe(1);
    expect(filterGradChunks(convShape([64, 32, 32, 4], [3, 3, 4, 4], 1, 1)).chunks).toBeGreaterThan(
      100,
    );
  });
});
