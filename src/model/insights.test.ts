import { describe, expect, it } from 'vitest';
import {
  addToConfusion,
  classDifferences,
  GridPicker,
  gridPerClass,
  maxCount,
  offDiagonal,
  perClassError,
  rowSums,
  totalCount,
} from './insights';

describe('confusion matrix', () => {
  it('counts (true, predicted) pairs row-major and ignores labels outside the classes', () => {
    const m = new Uint32Array(9);
    addToConfusion(m, 3, [0, 0, 1, 2, 2, 7], [0, 1, 1, 0, 2, 0], 6);
    expect([...m]).toEqual([1, 1, 0, 0, 1, 0, 1, 0, 1]);
    expect(rowSums(m, 3)).toEqual([2, 1, 2]);
    expect(totalCount(m)).toBe(5);
    expect(offDiagonal(m, 3)).toBe(2);
    expect(maxCount(m)).toBe(1);
  });

  it('adds only the first `size` entries of a batch', () => {
    const m = new Uint32Array(4);
    addToConfusion(m, 2, [1, 1, 1], [0, 0, 0], 2);
    expect([...m]).toEqual([0, 0, 2, 0]);
  });

  it('gives per-class error, null for a class without images', () => {
    const m = Uint32Array.from([3, 1, 0, 0, 0, 0, 2, 0, 2]);
    expect(perClassError(m, 3)).toEqual([0.25, null, 0.5]);
  });

  it('ranks the classes where two runs differ most', () => {
    const a = Uint32Array.from([4, 0, 2, 2]); // errors 0, 0.5
    const b = Uint32Array.from([3, 1, 1, 3]); // errors 0.25, 0.25
    const d = classDifferences(a, b, 2);
    expect(d.map((x) => x.classIndex)).toEqual([0, 1]);
    expect(d[0]).toEqual({ classIndex: 0, a: 0, b: 0.25, delta: 0.25 });
    expect(d[1]!.delta).toBeCloseTo(-0.25);
  });
});

describe('GridPicker', () => {
  it('takes the first images of each class in order, across batches', () => {
    const g = new GridPicker(3, 2);
    expect(g.add([0, 0, 0, 1], 4)).toEqual([0, 1, 3]);
    expect(g.add([2, 1, 1, 2, 2], 5)).toEqual([0, 1, 3]);
    expect(g.indices).toEqual([0, 1, 3, 4, 5, 7]);
    expect(g.labels).toEqual([0, 0, 1, 2, 1, 2]);
  });

  it('sizes the grid by the number of classes', () => {
    expect(gridPerClass(10)).toBe(4);
    expect(gridPerClass(100)).toBe(1);
  });
});
