import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gridPerClass, offDiagonal, rowSums } from '../model/insights';
import type { InsightGrid, RunConfig, TestPoint } from '../model/run';
import { loadCheckpoint, listRunRecords, openRunsDb } from '../storage/checkpoint';
import { memoryDataSource, tinyNetwork, tinySpec } from './testing/fakes';
import { TrainingRun } from './trainingRun';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function config(overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    name: 'insight test',
    spec: tinySpec(3),
    dataset: 'memory',
    seed: 5,
    epochs: 2,
    batchSize: 8,
    schedule: { base: 0.1, factor: 0.1, milestones: [0.5, 0.75, 0.875] },
    sgd: { momentum: 0.9, weightDecay: 1e-4, nesterov: true },
    augment: false,
    evalEverySteps: 3,
    testLimit: 0,
    trainLimit: 0,
    checkpointEveryMinutes: 5,
    ...overrides,
  };
}

let dbCount = 0;

async function setup(overrides: Partial<RunConfig> = {}, test = 70) {
  const db = await openRunsDb(`dmrnet-runs-insights-${++dbCount}`);
  const data = memoryDataSource({ classes: 3, train: 48, test });
  const points: { point: TestPoint; grid?: InsightGrid }[] = [];
  const hooks = {
    onTrainPoint: () => undefined,
    onTestPoint: (_run: TrainingRun, point: TestPoint, grid?: InsightGrid) =>
      points.push({ point, ...(grid ? { grid } : {}) }),
  };
  const deps = { db, data, buildNetwork: tinyNetwork, hooks, backendName: () => 'cpu' as const };
  const run = new TrainingRun('r', config(overrides), deps);
  await run.load(undefined);
  return { db, data, run, points, deps };
}

/** The test split's labels, in stored order, as the memory source serves them. */
async function testLabels(data: ReturnType<typeof memoryDataSource>, limit?: number) {
  const labels: number[] = [];
  const request = { split: 'test' as const, batchSize: 1000, seed: 0, epoch: 0, shuffle: false };
  for await (const b of data.batches('memory', { ...request, ...(limit ? { limit } : {}) })) {
    labels.push(...b.labels.subarray(0, b.size));
  }
  return labels;
}

describe('a test pass with its per-class insight', () => {
  it('counts every test image once, its errors off the diagonal, with no tensor left', async () => {
    const { run, data, points, db } = await setup();
    for (let i = 0; i < 3; i++) await run.trainOneStep();
    const before = tf.memory().numTensors;
    const point = await run.evaluate();
    expect(tf.memory().numTensors).toBe(before);
    const labels = await testLabels(data);
    const m = point.insight!.confusion;
    expect(m).toBeInstanceOf(Uint32Array);
    expect(m.length).toBe(9);
    const perClass = [0, 1, 2].map((c) => labels.filter((l) => l === c).length);
    expect(rowSums(m, 3)).toEqual(perClass);
    expect(offDiagonal(m, 3)).toBe(Math.round(point.error * labels.length));

    // The grid: the first images of each class in stored order, with their pixels.
    const grid = run.history.grid!;
    expect(points[0]!.grid).toBe(grid);
    const expected: number[] = [];
    const taken = [0, 0, 0];
    labels.forEach((l, i) => {
      if (taken[l]! < gridPerClass(3)) {
        taken[l]! += 1;
        expected.push(i);
      }
    });
    expect([...grid.indices]).toEqual(expected);
    expect([...grid.labels]).toEqual(expected.map((i) => labels[i]));
    expect(grid.pixels.length).toBe(expected.length * 8 * 8 * 3);
    expect(point.insight!.gridPredictions.length).toBe(expected.length);
    // Every grid image predicted wrong sits in a nonzero (true, predicted) cell.
    point.insight!.gridPredictions.forEach((p, k) => {
      expect(m[grid.labels[k]! * 3 + p]).toBeGreaterThan(0);
    });
    run.unload();
    db.close();
  });

  it('keeps the grid of the first pass and sends it only with that pass', async () => {
    const { run, points, db } = await setup();
    for (let i = 0; i < 3; i++) await run.trainOneStep();
    await run.evaluate();
    const grid = run.history.grid;
    for (let i = 0; i < 3; i++) await run.trainOneStep();
    await run.evaluate();
    expect(run.history.grid).toBe(grid);
    expect(points.map((p) => p.grid !== undefined)).toEqual([true, false]);
    expect(run.history.test.every((p) => p.insight !== undefined)).toBe(true);
    run.unload();
    db.close();
  });

  it('follows the test limit: only the images the pass saw', async () => {
    const { run, points, db, data } = await setup({ testLimit: 10 });
    await run.evaluate();
    const m = points[0]!.point.insight!.confusion;
    expect(rowSums(m, 3).reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...run.history.grid!.indices)).toBeLessThan(10);
    const counts = [0, 0, 0];
    for (const l of await testLabels(data, 10)) counts[l]! += 1;
    expect(rowSums(m, 3)).toEqual(counts);
    run.unload();
    db.close();
  });

  it('is stored with the record and the checkpoint, and comes back on load', async () => {
    const { run, db, deps } = await setup();
    for (let i = 0; i < 3; i++) await run.trainOneStep();
    const point = await run.evaluate();
    await run.checkpoint();
    const [record] = await listRunRecords(db);
    expect(record!.history.test[0]!.insight!.confusion).toEqual(point.insight!.confusion);
    expect(record!.history.grid!.pixels).toEqual(run.history.grid!.pixels);
    const again = new TrainingRun('r', run.config, deps, record);
    expect(again.history.grid!.indices).toEqual(run.history.grid!.indices);
    await again.load(await loadCheckpoint(db, 'r'));
    expect(again.history.test[0]!.insight!.gridPredictions).toEqual(point.insight!.gridPredictions);
    run.unload();
    again.unload();
    db.close();
  });

  it('a measuring pass leaves the history alone, with or without the insight', async () => {
    const { run, db } = await setup();
    const withInsight = await run.evaluate({ insight: true });
    const without = await run.evaluate({ insight: false });
    expect(withInsight.insight).toBeDefined();
    expect(without.insight).toBeUndefined();
    expect(without.error).toBe(withInsight.error);
    expect(run.history.test).toEqual([]);
    expect(run.history.grid).toBeUndefined();
    run.unload();
    db.close();
  });
});
