import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../export/safetensors';
import { weightNames } from '../model/plan';
import { tinyClassroom } from '../model/presets';
import { checkpointWeights, openRunsDb, type CheckpointRecord } from '../storage/checkpoint';
import { projectFiles, type RunWeightsSource } from './runProject';

const DB = 'export-test-runs';

describe('projectFiles', () => {
  const spec = tinyClassroom({ width: 4 });
  const stored = weightNames(spec).map((w, i) => ({
    name: w.name,
    shape: w.shape,
    values: new Float32Array(w.shape.reduce((a, b) => a * b, 1)).fill(i),
    trainable: w.trainable,
  }));

  /** What the training worker answers `getRunWeights` with, read from a real (fake) IndexedDB. */
  const fromDb: RunWeightsSource = async (runId) => {
    const db = await openRunsDb(DB);
    try {
      const tensors = await checkpointWeights(db, runId);
      if (!tensors) throw new Error('this run has no checkpoint yet');
      return tensors.map((t) => ({ name: t.name, shape: t.shape, data: t.values }));
    } finally {
      db.close();
    }
  };

  it("puts a run's checkpoint weights (trainable and BN statistics) into weights.safetensors", async () => {
    const db = await openRunsDb(DB);
    // A whole checkpoint: the runs store validates what it reads back.
    const tensors = (trainable: boolean) =>
      stored
        .filter((w) => w.trainable === trainable)
        .map(({ name, shape, values }) => ({ name, shape, values }));
    const checkpoint: CheckpointRecord = {
      runId: 'r1',
      step: 10,
      weights: tensors(true),
      running: tensors(false),
      momentum: tensors(true),
      lrOverride: null,
      rng: { seed: 1, step: 10 },
      window: { lossSum: 0, correctSum: 0, images: 0, steps: 0 },
      history: { train: [], test: [] },
      backend: 'cpu',
      savedAt: 1,
    };
    await db.put('checkpoints', checkpoint);
    db.close();
    const files = await projectFiles(spec, 'cifar10', 'r1', fromDb);
    const st = files.find((f) => f.path === 'weights.safetensors')?.contents as Uint8Array;
    const back = readSafetensors(st);
    expect(back.tensors.map((t) => t.name).sort()).toEqual(stored.map((w) => w.name).sort());
    const gamma = back.tensors.find((t) => t.name === 'conv0.bn.gamma');
    expect(gamma?.data[0]).toBe(stored.findIndex((w) => w.name === 'conv0.bn.gamma'));
  });

  it('says so when the run has no checkpoint, and exports the network alone without a run', async () => {
    await expect(projectFiles(spec, 'cifar10', 'nope', fromDb)).rejects.toThrow(
      /no checkpoint yet/,
    );
    const asked: string[] = [];
    const files = await projectFiles(spec, 'cifar10', null, async (id) => {
      asked.push(id);
      return [];
    });
    expect(files.some((f) => f.path === 'weights.safetensors')).toBe(false);
    expect(asked).toEqual([]);
  });
});
