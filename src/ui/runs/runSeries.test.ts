import { describe, expect, it } from 'vitest';
import { bestTestError, distinctNames, testSeries, trainSeries } from './runSeries';

const history = {
  train: [
    { step: 1, epoch: 0.5, loss: 2.3, error: 0.9, lr: 0.1, imagesPerSecond: 10 },
    { step: 2, epoch: 1, loss: 2.1, error: 0.8, lr: 0.01, imagesPerSecond: 12 },
  ],
  test: [
    { step: 2, epoch: 1, loss: 2.2, error: 0.7 },
    { step: 4, epoch: 2, loss: 2.4, error: 0.75 },
  ],
};

describe('run series', () => {
  it('maps history to chart points by epoch', () => {
    const runs = [{ id: 'a', name: 'DMRNet', history }];
    expect(trainSeries(runs, 'lr')[0]!.points).toEqual([
      { x: 0.5, y: 0.1 },
      { x: 1, y: 0.01 },
    ]);
    expect(testSeries(runs, 'error', ' · test')[0]!.label).toBe('DMRNet · test');
  });
  it('keeps the same points array while a history array is the same', () => {
    const runs = [{ id: 'a', name: 'DMRNet', history }];
    expect(trainSeries(runs, 'loss')[0]!.points).toBe(trainSeries(runs, 'loss')[0]!.points);
    expect(testSeries(runs, 'error')[0]!.points).toBe(testSeries(runs, 'error')[0]!.points);
    expect(trainSeries(runs, 'lr')[0]!.points).not.toBe(trainSeries(runs, 'loss')[0]!.points);
    const grown = { ...history, train: [...history.train, { ...history.train[1]!, step: 3 }] };
    const next = trainSeries([{ id: 'a', name: 'DMRNet', history: grown }], 'loss')[0]!.points;
    expect(next).toHaveLength(3);
    expect(next).not.toBe(trainSeries(runs, 'loss')[0]!.points);
  });
  it('finds the best test error', () => {
    expect(bestTestError(history)).toBe(0.7);
    expect(bestTestError({ train: [], test: [] })).toBeNull();
  });
  it('tells runs of the same name apart', () => {
    expect(
      distinctNames([
        { id: '1', name: 'x' },
        { id: '2', name: 'x' },
      ]).map((r) => r.name),
    ).toEqual(['x', 'x #2']);
  });
});
