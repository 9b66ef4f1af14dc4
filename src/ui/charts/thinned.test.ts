import { describe, expect, it } from 'vitest';
import { thinned } from './thinned';

describe('thinned', () => {
  it('keeps short lines whole', () => {
    expect(thinned([1, 2, 3], 5)).toEqual([1, 2, 3]);
  });
  it('keeps at most about max points, the first and the last', () => {
    const xs = Array.from({ length: 1001 }, (_, i) => i);
    const out = thinned(xs, 100);
    expect(out.length).toBeLessThanOrEqual(101);
    expect(out[0]).toBe(0);
    expect(out.at(-1)).toBe(1000);
    expect(out).toEqual([...out].sort((a, b) => a - b));
  });
});
