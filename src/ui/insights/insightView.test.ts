import { describe, expect, it } from 'vitest';
import type { InsightGrid, TestPoint } from '../../model/run';
import { byClass, cellColor } from './drawing';
import {
  confusionCsv,
  insightPasses,
  passAtStep,
  perClassErrorCsv,
  sameImages,
} from './insightView';

const insight = (k: number) => ({
  confusion: Uint32Array.from([k, 1, 0, 2]),
  gridPredictions: Uint16Array.from([0, 1]),
});

const points: TestPoint[] = [
  { step: 5, epoch: 1, loss: 1, error: 0.5 },
  { step: 10, epoch: 2, loss: 1, error: 0.4, insight: insight(1) },
  { step: 20, epoch: 4, loss: 1, error: 0.3, insight: insight(2) },
];

function grid(indices: number[]): InsightGrid {
  return {
    indices: Uint32Array.from(indices),
    labels: Uint16Array.from(indices.map(() => 0)),
    pixels: new Uint8Array(indices.length * 12),
    height: 2,
    width: 2,
    channels: 3,
    classNames: ['cat', 'dog'],
  };
}

describe('insight views', () => {
  it('lists the passes that carry an insight (older points have none)', () => {
    expect(insightPasses(points).map((p) => p.step)).toEqual([10, 20]);
  });

  it('finds the pass at or before a step, else the first', () => {
    const passes = insightPasses(points);
    expect(passAtStep(passes, 15)?.step).toBe(10);
    expect(passAtStep(passes, 20)?.step).toBe(20);
    expect(passAtStep(passes, 3)?.step).toBe(10);
    expect(passAtStep([], 3)).toBeNull();
  });

  it('compares grids by their test images', () => {
    expect(sameImages(grid([0, 3]), grid([0, 3]))).toBe(true);
    expect(sameImages(grid([0, 3]), grid([0, 4]))).toBe(false);
    expect(sameImages(grid([0, 3]), undefined)).toBe(false);
  });

  it('writes the matrix and the per-class error as CSV', () => {
    const m = Uint32Array.from([3, 1, 0, 2]);
    expect(confusionCsv(m, ['cat', 'dog'])).toBe(
      'true \\ predicted,cat,dog\r\ncat,3,1\r\ndog,0,2\r\n',
    );
    expect(perClassErrorCsv(m, ['cat', 'dog'])).toBe(
      'class,test_images,correct,error\r\ncat,4,3,0.25\r\ndog,2,2,0\r\n',
    );
  });

  it('colours a cell by its share of the row: white when empty, stronger when larger', () => {
    expect(cellColor(0, true)).toBe('#ffffff');
    expect(cellColor(1, true)).toBe('rgb(124, 161, 243)');
    expect(cellColor(1, false)).toBe('rgb(234, 125, 125)');
  });

  it('groups the grid by true class, each class in test-split order', () => {
    const g = { ...grid([0, 1, 2, 3]), labels: Uint16Array.from([1, 0, 1, 0]) };
    expect(byClass(g)).toEqual([1, 3, 0, 2]);
  });
});
