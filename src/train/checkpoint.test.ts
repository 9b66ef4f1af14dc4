import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunConfig } from '../model/run';
import {
  deleteRunRecord,
  listRunRecords,
  loadCheckpoint,
  openRunsDb,
  saveRun,
  type CheckpointRecord,
  type RunRecord,
} from '../storage/checkpoint';
import { memoryDataSource, tinyNetwork, tinySpec } from './testing/fakes';
import { TrainingRun } from './trainingRun';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let dbCount = 0;
const freshDb = () => openRunsDb(`dmrnet-runs-test-${++dbCount}`);

function config(overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    name: 'test',
    spec: tinySpec(3),
    dataset: 'memory',
    seed: 11,
    epochs: 3,
    batchSize: 8,
    schedule: { base: 0.1, factor: 0.1, milestones: [0.5, 0.75, 0.875] },
    sgd: { momentum: 0.9, weightDecay: 1e-4, nesterov: true },
    augment: true,
    evalEverySteps: 4,
    testLimit: 0,
    trainLimit: 0,
    checkpointEveryMinutes: 5,
    ...overrides,
  };
}

describe('the runs store', () => {
  it('round-trips a record and its checkpoint, bit for bit', async () => {
    const db = await freshDb();
    const record: RunRecord = {
      schemaVersion: 2,
      id: 'r1',
      config: config(),
      dataset: { name: 'memory', storageId: 'memory#1', checksum: 'ab'.repeat(32) },
      lrOverride: { value: 0.05, atStep: 2 },
      status: 'paused',
      message: null,
      live: {
        step: 3,
        totalSteps: 9,
        epoch: 1,
        lr: 0.1,
        imagesPerSecond: 5,
        trainLoss: 1,
        trainError: 0.5,
        testError: null,
        secondsLeft: null,
      },
      history: {
        train: [{ step: 3, epoch: 1, loss: 1, error: 0.5, lr: 0.1, imagesPerSecond: 5 }],
        test: [],
      },
      checkpointStep: 3,
      createdAt: 1,
      updatedAt: 2,
    };
    const values = Float32Array.from([Math.PI, -0, 1e-38, 3.4e38, Number.MIN_VALUE]);
    const checkpoint: CheckpointRecord = {
      schemaVersion: 2,
      runId: 'r1',
      step: 3,
      weights: [{ name: 'fc.weight', shape: [5], values }],
      running: [],
      momentum: [{ name: 'fc.weight', shape: [5], values: values.map((v) => v / 2) }],
      lrOverride: { value: 0.05, atStep: 2 },
      rng: { seed: 11, step: 3 },
      window: { lossSum: 1.5, correctSum: 2, images: 8, steps: 1 },
      history: record.history,
      backend: 'cpu',
      savedAt: 5,
    };
    await saveRun(db, record, checkpoint);
    expect(await listRunRecords(db)).toEqual([record]);
    const back = await loadCheckpoint(db, 'r1');
    expect(back).toEqual(checkpoint);
    expect(back!.weights[0]!.values).toBeInstanceOf(Float32Array);
    expect(Array.from(back!.weights[0]!.values)).toEqual(Array.from(values));
    await deleteRunRecord(db, 'r1');
    expect(await listRunRecords(db)).toEqual([]);
    expect(await loadCheckpoint(db, 'r1')).toBeUndefined();
    db.close();
  });

  it('refuses to save a checkpoint under another run', async () => {
    const db = await freshDb();
    const bad = { runId: 'other' } as CheckpointRecord;
    await expect(saveRun(db, { id: 'r2' } as RunRecord, bad)).rejects.toThrow(/other/);
    expect(await listRunRecords(db)).toEqual([]);
    db.close();
  });
});

describe('exact resume from a checkpoint', () => {
  async function trainTo(run: TrainingRun, steps: number) {
    while (run.step < steps) {
      await run.trainOneStep();
      if (run.dueForEvaluation()) await run.evaluate();
    }
  }

  it('a run resumed from its checkpoint continues exactly as the uninterrupted run', async () => {
    const db = await freshDb();
    const data = memoryDataSource({ classes: 3, train: 40, test: 16 });
    const hooks = { onTrainPoint: () => undefined, onTestPoint: () => undefined };
    const deps = { db, data, buildNetwork: tinyNetwork, hooks, backendName: () => 'cpu' as const };

    // The authors' decay rule (not the default a record without one reads as), so that a
    // rule lost on the way through the store shows.
    const recipe = config({
      sgd: { momentum: 0.9, weightDecay: 1e-4, nesterov: true, decay: 'all' },
    });
    const straight = new TrainingRun('straight', recipe, deps);
    await straight.load(undefined);
    await trainTo(straight, 15);
    await straight.checkpoint(); // settles the last read
    const straightWeights = await Promise.all(
      (await loadCheckpoint(db, 'straight'))!.weights.map((w) => Array.from(w.values)),
    );

    const first = new TrainingRun('resumed', recipe, deps);
    await first.load(undefined);
    await trainTo(first, 7); // mid-epoch (5 steps per epoch) and mid-report window
    await first.checkpoint();
    first.unload();
    await trainTo(first, 7).catch(() => undefined); // unloaded: cannot train

    // As after a reload: the run as the store gives it back (validated), config included.
    const stored = (await listRunRecords(db)).find((r) => r.id === 'resumed')!;
    expect(stored.config).toEqual(recipe);
    const second = new TrainingRun('resumed', stored.config, deps, stored);
    await second.load(await loadCheckpoint(db, 'resumed'));
    expect(second.step).toBe(7);
    await trainTo(second, 15);
    await second.checkpoint();
    const resumedWeights = (await loadCheckpoint(db, 'resumed'))!.weights.map((w) =>
      Array.from(w.values),
    );

    expect(resumedWeights).toEqual(straightWeights);
    const strip = <T extends { imagesPerSecond?: number }>(points: T[]) =>
      points.map((p) => ({ ...p, imagesPerSecond: 0 }));
    expect(strip(second.history.train)).toEqual(strip(straight.history.train));
    expect(second.history.test).toEqual(straight.history.test);
    // A point after step 1 (the first curve comes early), then every REPORT_EVERY steps.
    expect(straight.history.train.map((p) => p.step)).toEqual([1, 5, 10, 15]);
    expect(straight.history.test.map((p) => p.step)).toEqual([4, 5, 8, 10, 12, 15]);
    // The data order resumed inside epoch 1 at its third batch.
    expect(data.requests.some((r) => r.epoch === 1 && r.startBatch === 2)).toBe(true);
    straight.unload();
    second.unload();
    db.close();
  });

  it('a checkpoint taken in the background while training goes on holds the state of its step', async () => {
    const db = await freshDb();
    const data = memoryDataSource({ classes: 3, train: 40, test: 16 });
    let stored: () => void = () => undefined;
    const written = new Promise<void>((resolve) => (stored = resolve));
    const hooks = {
      onTrainPoint: () => undefined,
      onTestPoint: () => undefined,
      onCheckpoint: () => stored(),
    };
    const deps = { db, data, buildNetwork: tinyNetwork, hooks, backendName: () => 'cpu' as const };

    const reference = new TrainingRun('reference', config(), deps);
    await reference.load(undefined);
    await trainTo(reference, 7);
    await reference.checkpoint();
    const expected = (await loadCheckpoint(db, 'reference'))!;

    const background = new TrainingRun('background', config(), deps);
    await background.load(undefined);
    await trainTo(background, 7);
    let failure: unknown = null;
    background.checkpointInBackground((error) => (failure = error));
    await trainTo(background, 12); // the steps go on while it is read back and stored
    await written;
    expect(failure).toBeNull();
    const got = (await loadCheckpoint(db, 'background'))!;
    expect(got.step).toBe(7);
    expect(got.weights.map((w) => Array.from(w.values))).toEqual(
      expected.weights.map((w) => Array.from(w.values)),
    );
    expect(got.momentum.map((w) => Array.from(w.values))).toEqual(
      expected.momentum.map((w) => Array.from(w.values)),
    );
    expect(got.window).toEqual(expected.window);
    expect(got.history.train.map((p) => p.step)).toEqual(expected.history.train.map((p) => p.step));
    expect(got.history.test.map((p) => p.step)).toEqual(expected.history.test.map((p) => p.step));
    reference.unload();
    background.unload();
    db.close();
  });
});
