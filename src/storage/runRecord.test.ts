import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { listRunRecords, openRunsDb, readRunRecords } from './checkpoint';
import { tinySpec } from '../train/testing/fakes';
import { DamagedRecordError, RUN_RECORD_VERSION, readCheckpoint, readRunRecord } from './runRecord';

/** A run record exactly as version 1 of the app stored it (the protocol's RunSummary + history). */
function v1Record(id: string) {
  return {
    id,
    config: {
      name: 'old run',
      spec: tinySpec(10),
      dataset: 'CIFAR-10 sample',
      seed: 7,
      epochs: 2,
      batchSize: 8,
      schedule: { base: 0.1, factor: 0.1, milestones: [0.5, 0.75] },
      sgd: { momentum: 0.9, weightDecay: 1e-4, nesterov: true },
      augment: true,
      evalEverySteps: 0,
      testLimit: 16,
      trainLimit: 40,
      checkpointEveryMinutes: 5,
    },
    status: 'paused',
    message: null,
    live: {
      step: 5,
      totalSteps: 10,
      epoch: 1,
      lr: 0.1,
      imagesPerSecond: 3,
      trainLoss: NaN,
      trainError: 0.9,
      testError: null,
      secondsLeft: null,
    },
    history: {
      train: [{ step: 5, epoch: 1, loss: 2.3, error: 0.9, lr: 0.1, imagesPerSecond: 3 }],
      test: [{ step: 5, epoch: 1, loss: 2.3, error: 0.9 }],
    },
    checkpointStep: 5,
    createdAt: 100,
    updatedAt: 200,
  };
}

describe('run records', () => {
  it('migrates a stored v1 record when the database is opened, and reads it as v2', async () => {
    const name = 'dmrnet-runs-migration';
    // The database as version 1 of the app left it.
    const old = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('runs', { keyPath: 'id' });
        db.createObjectStore('checkpoints', { keyPath: 'runId' });
      },
    });
    await old.put('runs', v1Record('r-old'));
    old.close();

    const db = await openRunsDb(name);
    const [record] = await listRunRecords(db);
    expect(record).toMatchObject({
      schemaVersion: RUN_RECORD_VERSION,
      id: 'r-old',
      status: 'paused',
      checkpointStep: 5,
      lrOverride: null,
      // Known by name only before v2: the first resume records its storage id and checksum.
      dataset: { name: 'CIFAR-10 sample', storageId: null, checksum: null },
    });
    expect(record!.history.train[0]!.loss).toBe(2.3);
    expect(record!.live.trainLoss).toBeNaN();
    // The migration is stored, not redone at each read.
    const raw = (await db.get('runs', 'r-old')) as unknown as { schemaVersion?: number };
    expect(raw.schemaVersion).toBe(RUN_RECORD_VERSION);
    db.close();
  });

  it('reads a v1 value handed to it directly (another tab still on v1 wrote it)', () => {
    expect(readRunRecord(v1Record('x')).schemaVersion).toBe(RUN_RECORD_VERSION);
  });

  it('reads the recipe options as runs store them: bnBatch 0 is the whole batch', () => {
    for (const bnBatch of [0, 4]) {
      const stored = { ...v1Record('r'), config: { ...v1Record('r').config, bnBatch } };
      expect(readRunRecord(stored).config.bnBatch).toBe(bnBatch);
    }
  });

  it('keeps every field of a run config, the recipe options included (a resume trains on them)', () => {
    const config = {
      ...v1Record('r').config,
      sgd: { momentum: 0.9, weightDecay: 1e-4, nesterov: true, decay: 'all' as const },
      padFill: 'mean' as const,
      bnBatch: 4,
      reportEverySteps: 3,
    };
    for (const decay of ['all', 'weights-gamma'] as const) {
      const stored = { ...v1Record('r'), config: { ...config, sgd: { ...config.sgd, decay } } };
      // Deep equality: a key the schema does not name would be dropped silently by zod.
      expect(readRunRecord(stored).config).toEqual(stored.config);
    }
    // Stored before the option existed: absent, which the step reads as MXNet's rule.
    expect(readRunRecord(v1Record('old')).config.sgd).not.toHaveProperty('decay');
  });

  it('reports damaged records with what is wrong and keeps the others', async () => {
    const db = await openRunsDb('dmrnet-runs-damaged');
    const good = readRunRecord(v1Record('good'));
    await db.put('runs', good);
    const bad = {
      ...v1Record('bad'),
      status: 'dancing',
      config: { ...v1Record('bad').config, batchSize: -1 },
    };
    await db.put('runs', bad as never);
    await db.put('runs', { ...good, id: 'future', schemaVersion: 9 } as never);
    const { records, damaged } = await readRunRecords(db);
    expect(records.map((r) => r.id)).toEqual(['good']);
    expect(damaged).toHaveLength(2);
    expect(damaged.join(' ')).toMatch(/"bad" is damaged \(.*(status|batchSize)/);
    expect(damaged.join(' ')).toMatch(/newer version of the playground \(record version 9\)/);
    db.close();
  });

  it('checks a checkpoint against its run and each tensor against its shape', () => {
    const tensor = (shape: number[], n: number) => ({
      name: 'fc.weight',
      shape,
      values: new Float32Array(n),
    });
    const checkpoint = {
      runId: 'r',
      step: 3,
      weights: [tensor([2, 3], 6)],
      running: [],
      momentum: [tensor([2, 3], 6)],
      lrOverride: null,
      rng: { seed: 1, step: 3 },
      window: { lossSum: 0, correctSum: 0, images: 0, steps: 0 },
      history: { train: [], test: [] },
      backend: 'cpu',
      savedAt: 1,
    };
    expect(readCheckpoint(checkpoint, 'r').schemaVersion).toBe(RUN_RECORD_VERSION);
    expect(() => readCheckpoint(checkpoint, 'other')).toThrow(/belongs to run r/);
    expect(() => readCheckpoint({ ...checkpoint, weights: [tensor([2, 3], 5)] }, 'r')).toThrow(
      /fc.weight holds 5 values for shape \[2, 3\]/,
    );
    expect(() => readCheckpoint({ ...checkpoint, step: -1 }, 'r')).toThrow(DamagedRecordError);
    expect(() =>
      readCheckpoint({ ...checkpoint, lrOverride: { value: -1, atStep: 0 } }, 'r'),
    ).toThrow(/learning rate/);
  });
});
