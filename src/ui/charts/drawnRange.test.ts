import { describe, expect, it } from 'vitest';
import { drawnRange } from './drawnRange';

describe('drawnRange', () => {
  it('keeps the lengths with visible mass and one point beyond each end', () => {
    const p = [1e-12, 1e-9, 1e-3, 0.2, 0.5, 0.2, 1e-3, 1e-7, 1e-15];
    // floor 0.5e-4: indices 2..6 are drawn, with 1 and 7 as the edges.
    expect(drawnRange(p)).toEqual([1, 8]);
  });
  it('keeps everything when every share is visible, or none is positive', () => {
    expect(drawnRange([0.25, 0.5, 0.25])).toEqual([0, 3]);
    expect(drawnRange([0, 0])).toEqual([0, 2]);
    expect(drawnRange([])).toEqual([0, 0]);
  });
});
