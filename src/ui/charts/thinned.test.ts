import { describe, expect, it } from 'vitest';
import { drawnPoints, thinned } from './thinned';

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

describe('drawnPoints', () => {
  const pts = [
    { x: 0, y: 0 },
    { x: 1, y: 2 },
    { x: 2, y: -1 },
    { x: 3, y: 0.5 },
  ];
  it('drops points a log axis cannot draw, and only on a log axis', () => {
    expect(drawnPoints(pts, false)).toEqual(pts);
    expect(drawnPoints(pts, true)).toEqual([
      { x: 1, y: 2 },
      { x: 3, y: 0.5 },
    ]);
  });
  it('gives the same array for the same points, a new one for new points', () => {
    expect(drawnPoints(pts, false)).toBe(drawnPoints(pts, false));
    expect(drawnPoints(pts, true)).toBe(drawnPoints(pts, true));
    expect(drawnPoints([...pts], false)).not.toBe(drawnPoints(pts, false));
  });
  it('thins long lines', () => {
    const long = Array.from({ length: 5000 }, (_, i) => ({ x: i, y: 1 }));
    expect(drawnPoints(long, false).length).toBeLessThanOrEqual(401);
  });
});
