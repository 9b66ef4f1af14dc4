import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventMap, EventType, RunConfig, RunSummary } from '../protocol/training';
import { loadCheckpoint, openRunsDb, readRunRecords, type RunsDb } from '../storage/checkpoint';
import { memoryDataSource, tinyNetwork, tinySpec } from './testing/fakes';
import { QUIET_MAX_MS, Runner } from './runner';
import { SPACE_MARGIN_BYTES } from '../storage/space';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let dbCount = 0;

async function setup(shared?: { db: RunsDb; data: ReturnType<typeof memoryDataSource> }) {
  const db = shared?.db ?? (await openRunsDb(`dmrnet-runs-runner-${++dbCount}`));
  const data = shared?.data ?? memoryDataSource({ classes: 3, train: 32, test: 8 });
  const events: { type: EventType; payload: unknown }[] = [];
  const runner = new Runner({
    db,
    data,
    buildNetwork: tinyNetwork,
    backendName: () => 'cpu',
    refusal: (c) => (c.batchSize > 100 ? 'too large for this GPU' : null),
    emit: <K extends EventType>(type: K, payload: EventMap[K]) => events.push({ type, payload }),
    reinitBackend: () => Promise.reject(new Error('not in unit tests')),
    deviceLost: () => Promise.resolve(false),
  });
  return { db, data, runner, events };
}

function config(overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    name: 'runner test',
    spec: tinySpec(3),
    dataset: 'memory',
    seed: 3,
    epochs: 2,
    batchSize: 8,
    schedule: { base: 0.1, factor: 0.1, milestones: [0.5, 0.75, 0.875] },
    sgd: { momentum: 0.9, weightDecay: 1e-4, nesterov: true },
    augment: false,
    evalEverySteps: 0,
    testLimit: 0,
    trainLimit: 0,
    checkpointEveryMinutes: 5,
    ...overrides,
  };
}

async function until<T>(probe: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function lastUpdate(events: { type: EventType; payload: unknown }[], id: string) {
  const updates = events
    .filter((e) => e.type === 'runUpdate')
    .map((e) => (e.payload as EventMap['runUpdate']).run)
    .filter((r: RunSummary) => r.id === id);
  return updates.at(-1);
}

describe('Runner', () => {
  it('queues runs one after another and finishes them, with metrics and checkpoints', async () => {
    const { runner, events, db } = await setup();
    const a = await runner.start(config());
    const b = await runner.start(config({ seed: 4 }));
    expect(a.status).toBe('running');
    expect(b.status).toBe('queued');
    await until(() => (lastUpdate(events, b.id)?.status === 'finished' ? true : undefined));
    expect(lastUpdate(events, a.id)?.status).toBe('finished');
    const list = await runner.list();
    const finished = list.runs.find((r) => r.run.id === a.id)!;
    expect(finished.run.live.step).toBe(8);
    expect(finished.history.test.map((p) => p.step)).toEqual([4, 8]);
    expect(finished.run.checkpointStep).toBe(8);
    expect(events.some((e) => e.type === 'runMetrics')).toBe(true);
    db.close();
  });

  it('pauses a diverging run with a message suggesting a lower learning rate', async () => {
    const { runner, events, db } = await setup();
    // A run config's rate stops at 10 (model/hyperparameters.ts); set on the fly, it does not.
    // With BN, only the weight decay term (lr * 1e-4 * w) makes the weights blow up at 1e30.
    const run = await runner.start(config());
    runner.setLearningRate(run.id, 1e30);
    const paused = await until(() => {
      const u = lastUpdate(events, run.id);
      return u?.status === 'paused' ? u : undefined;
    });
    expect(paused.message).toMatch(/Lower the learning rate/);
    // Said as it is: the rate in few digits, and a rollback only to a checkpoint that exists.
    expect(paused.message).toMatch(/at learning rate [0-9.e+]{1,8}: /);
    expect(paused.message).toMatch(
      paused.checkpointStep === null
        ? /it had no checkpoint yet, so it starts again from step 0\.$/
        : new RegExp(`rolled back to its last checkpoint \\(step ${paused.checkpointStep}\\)\\.$`),
    );
    // Rolled back to its last checkpoint (or to the start when there is none).
    expect(paused.live.step).toBe(paused.checkpointStep ?? 0);
    expect(paused.live.step).toBeLessThan(5);
    db.close();
  });

  it('refuses a wrong config before starting, with the reasons', async () => {
    const { runner, db } = await setup();
    await expect(runner.start(config({ epochs: 0 }))).rejects.toThrow(/Epochs/);
    await expect(runner.start(config({ batchSize: 128 }))).rejects.toThrow(/too large/);
    await expect(runner.start(config({ dataset: 'nope' }))).rejects.toThrow(/No dataset/);
    expect((await runner.list()).runs).toEqual([]);
    db.close();
  });

  it('when paced, leaves a quiet moment about once a second and waits for quietDone', async () => {
    const { runner, events, db } = await setup();
    runner.setPacing(true);
    const run = await runner.start(config({ epochs: 40 }));
    const step = async () =>
      (await runner.list()).runs.find((r) => r.run.id === run.id)!.run.live.step;
    const quietMoments = () => events.filter((e) => e.type === 'quietMoment');
    // The first quiet moment comes after the first step, with the metrics so far sent first.
    await until(() => (quietMoments().length > 0 ? true : undefined));
    expect((quietMoments()[0]!.payload as EventMap['quietMoment']).maxMs).toBe(QUIET_MAX_MS);
    const atQuiet = await step();
    expect(atQuiet).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, QUIET_MAX_MS / 3));
    // No step while the page draws.
    expect(await step()).toBe(atQuiet);
    runner.quietDone();
    const end = Date.now() + 20_000;
    while ((await step()) === atQuiet && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
    expect(await step()).toBeGreaterThan(atQuiet);
    // The next one comes no sooner than QUIET_EVERY_MS later.
    expect(quietMoments()).toHaveLength(1);
    runner.setPacing(false);
    await runner.stop(run.id);
    db.close();
  });

  it('measures test passes with and without the insight on a paused run, history untouched', async () => {
    const { runner, events, db } = await setup();
    const run = await runner.start(config({ epochs: 40 }));
    await expect(runner.measureTestPass(run.id, 2)).rejects.toThrow(/Pause the run first/);
    await runner.pause(run.id);
    const before = (await runner.list()).runs.find((r) => r.run.id === run.id)!.history;
    const tests = before.test.length;
    const timing = await runner.measureTestPass(run.id, 2);
    expect(timing.withInsightMs).toHaveLength(2);
    expect(timing.withoutInsightMs).toHaveLength(2);
    expect(timing.insightCpuMs).toHaveLength(2);
    expect(timing.testImages).toBe(8);
    expect(timing.withInsightMs.every((ms) => ms > 0)).toBe(true);
    const after = (await runner.list()).runs.find((r) => r.run.id === run.id)!.history;
    expect(after.test).toHaveLength(tests);
    await expect(runner.measureTestPass(run.id, 0)).rejects.toThrow(/between 1 and 100/);
    const only = await runner.measureTestPass(run.id, 3, false);
    expect(only.withoutInsightMs).toHaveLength(3);
    expect(only.withInsightMs).toEqual([]);
    expect(lastUpdate(events, run.id)?.status).toBe('paused');
    await runner.stop(run.id);
    db.close();
  });
});

/**
 * A device that can be lost: while `broken`, every batch read fails with the words WebGPU
 * uses for a read of a destroyed device, and `deviceLost` answers true. Each device announces
 * its loss to the runner once (device.lost resolves once; the worker's watcher runs first).
 */
async function setupLossy() {
  const db = await openRunsDb(`dmrnet-runs-runner-${++dbCount}`);
  const events: { type: EventType; payload: unknown }[] = [];
  const base = memoryDataSource({ classes: 3, train: 32, test: 8 });
  const device = {
    broken: false,
    /** Whether a failure announces a loss (false: a plain error, no device involved). */
    announces: true,
    reinits: [] as { skipWebGpu?: boolean }[],
    onReinit: (_n: number) => {},
    /** Devices whose loss was announced (the n-th device is the one after n reinits). */
    announced: new Set<number>(),
    lose(reason: string) {
      this.broken = true;
      const id = this.reinits.length;
      if (this.announced.has(id)) return;
      this.announced.add(id);
      void runner.onDeviceLost(reason);
    },
  };
  const MAP_ASYNC =
    "Failed to execute 'mapAsync' on 'GPUBuffer': Buffer was unmapped before mapping was resolved.";
  const data = {
    ...base,
    async *batches(name: string, request: Parameters<typeof base.batches>[1]) {
      for await (const batch of base.batches(name, request)) {
        if (device.broken) throw new Error(MAP_ASYNC);
        yield batch;
      }
    },
  };
  // eslint-disable-next-line prefer-const -- the device's fake needs the runner it serves
  let runner: Runner;
  runner = new Runner({
    db,
    data,
    buildNetwork: tinyNetwork,
    backendName: () => 'cpu',
    refusal: () => null,
    emit: <K extends EventType>(type: K, payload: EventMap[K]) => events.push({ type, payload }),
    reinitBackend: async (options = {}) => {
      device.reinits.push(options);
      device.broken = false;
      device.onReinit(device.reinits.length);
      return { backend: 'cpu', adapter: null, refused: [], tfjsVersion: tf.version.tfjs };
    },
    deviceLost: async () => {
      if (!device.broken || !device.announces) return false;
      device.lose('Device was destroyed.');
      return true;
    },
  });
  const shown = () => JSON.stringify(events);
  return { db, runner, events, device, shown, MAP_ASYNC };
}

describe('Runner after a lost device', () => {
  it('restarts a run lost at step 0, before any checkpoint, with a message', async () => {
    const { runner, events, device, shown } = await setupLossy();
    device.broken = true;
    const run = await runner.start(config());
    await until(() => (lastUpdate(events, run.id)?.status === 'finished' ? true : undefined));
    expect(device.reinits).toHaveLength(1);
    expect(shown()).toContain(
      "The GPU device was lost at step 0, before the run's first checkpoint: it started again from step 0.",
    );
    expect(shown()).not.toContain('mapAsync');
    const list = await runner.list();
    const done = list.runs.find((r) => r.run.id === run.id)!;
    expect(done.history.test.map((p) => p.step)).toEqual([4, 8]);
  });

  it('goes back to the checkpoint when lost again during the recovery, and twice in a row', async () => {
    const { runner, events, device, shown } = await setupLossy();
    const run = await runner.start(config());
    await until(() => (lastUpdate(events, run.id)?.checkpointStep === 4 ? true : undefined));
    // The new device is lost while the run is being reloaded onto it, then once more.
    device.onReinit = (n) => {
      if (n <= 2) device.lose(`lost again (${n})`);
    };
    device.broken = true;
    await until(() => (lastUpdate(events, run.id)?.status === 'finished' ? true : undefined));
    expect(device.reinits.length).toBeGreaterThanOrEqual(3);
    // The third loss in a row, no step between, gives WebGPU up for the next backend.
    expect(device.reinits[2]).toEqual({ skipWebGpu: true });
    expect(shown()).toContain('the run went back to its checkpoint at step 4 and goes on.');
    expect(shown()).not.toContain('mapAsync');
    const list = await runner.list();
    const done = list.runs.find((r) => r.run.id === run.id)!;
    expect(done.run.status).toBe('finished');
    expect(done.history.test.map((p) => p.step)).toEqual([4, 8]);
  });

  it('still fails a run on an error that no device loss follows, with the error', async () => {
    const { runner, events, device } = await setupLossy();
    device.announces = false;
    device.broken = true;
    const run = await runner.start(config());
    const failed = await until(() => {
      const u = lastUpdate(events, run.id);
      return u?.status === 'failed' ? u : undefined;
    });
    expect(failed.message).toContain('mapAsync');
    expect(device.reinits).toHaveLength(0);
  });
});

describe('Runner: nothing lost', () => {
  const statuses = (events: { type: EventType; payload: unknown }[], id: string) =>
    events
      .filter((e) => e.type === 'runUpdate')
      .map((e) => (e.payload as EventMap['runUpdate']).run)
      .filter((r) => r.id === id)
      .map((r) => r.status);

  it('is "pausing" until the checkpoint at the paused step is committed, then "paused"', async () => {
    const { runner, events, db } = await setup();
    const run = await runner.start(config({ epochs: 40 }));
    await until(() => (events.some((e) => e.type === 'runMetrics') ? true : undefined));
    const paused = await runner.pause(run.id);
    expect(statuses(events, run.id).slice(-2)).toEqual(['pausing', 'paused']);
    expect(paused.status).toBe('paused');
    expect(paused.live.step).toBeGreaterThan(0);
    expect(paused.checkpointStep).toBe(paused.live.step);
    expect((await loadCheckpoint(db, run.id))!.step).toBe(paused.live.step);
    // No step after the pause: the counter stays where it was reported.
    await new Promise((r) => setTimeout(r, 100));
    expect((await runner.list()).runs[0]!.run.live.step).toBe(paused.live.step);
    db.close();
  });

  it('keeps a learning rate set on the fly across a reload, even before the next checkpoint', async () => {
    const first = await setup();
    const run = await first.runner.start(config({ epochs: 40 }));
    await first.runner.pause(run.id);
    await first.runner.setLearningRate(run.id, 0.02);
    // The tab goes: a new runner on the same store.
    const second = await setup(first);
    await second.runner.resume(run.id);
    const live = (await second.runner.list()).runs[0]!.run.live;
    expect(live.lr).toBeCloseTo(0.02, 10);
    await second.runner.pause(run.id);
    expect((await loadCheckpoint(first.db, run.id))!.lrOverride?.value).toBe(0.02);
    first.db.close();
  });

  it('refuses to resume when the dataset changed or is gone, and says so', async () => {
    const { runner, data, db } = await setup();
    const run = await runner.start(config({ epochs: 40 }));
    await runner.pause(run.id);
    data.identity.checksum = 'ff'.repeat(32);
    // Still loaded on the device in this runner: the resume checks the data all the same.
    await expect(runner.resume(run.id)).rejects.toThrow(/changed since this run started/);
    const second = await setup({ db, data });
    await expect(second.runner.resume(run.id)).rejects.toThrow(
      /The dataset "memory" changed since this run started/,
    );
    data.present.value = false;
    await expect(second.runner.resume(run.id)).rejects.toThrow(/is gone, so it cannot resume/);
    const shown = (await second.runner.list()).runs[0]!.run;
    expect(shown.status).toBe('paused');
    expect(shown.message).toMatch(/is gone/);
    db.close();
  });

  it('a read-only runner (another tab trains) shows the runs as stored and refuses to write', async () => {
    const owner = await setup();
    const run = await owner.runner.start(config({ epochs: 40 }));
    const other = await setup(owner);
    other.runner.setReadOnly('Training in another tab.');
    const listed = await other.runner.list();
    expect(listed.readOnly).toBe('Training in another tab.');
    expect(listed.runs[0]!.run.status).toBe('running'); // not marked interrupted
    await expect(other.runner.resume(run.id)).rejects.toThrow(/another tab/);
    await expect(other.runner.start(config())).rejects.toThrow(/another tab/);
    await owner.runner.pause(run.id);
    // The first tab closes: the second takes over and may resume.
    await other.runner.takeOver();
    expect((await other.runner.resume(run.id)).status).toBe('running');
    await other.runner.stop(run.id);
    owner.db.close();
  });

  it('pauses a run whose checkpoint would not fit, keeping the stored one', async () => {
    const { runner, events, db } = await setup();
    const run = await runner.start(config({ epochs: 40 }));
    const first = await runner.pause(run.id);
    await runner.resume(run.id);
    const storage = { estimate: async () => ({ usage: 100, quota: 100 + SPACE_MARGIN_BYTES }) };
    vi.stubGlobal('navigator', { storage });
    try {
      await expect(runner.pause(run.id)).rejects.toThrow(/Not enough storage space/);
      const u = lastUpdate(events, run.id)!;
      expect(u.status).toBe('paused');
      expect(u.message).toMatch(
        new RegExp(`Its last stored checkpoint \\(step ${first.checkpointStep}\\) is intact`),
      );
      expect((await loadCheckpoint(db, run.id))!.step).toBe(first.checkpointStep);
      // The stored record says the same, not "running".
      const stored = (await readRunRecords(db)).records[0]!;
      expect(stored.status).toBe('paused');
      expect(stored.message).toBe(u.message);
      expect(stored.live.step).toBe(first.checkpointStep);
    } finally {
      vi.unstubAllGlobals();
    }
    db.close();
  });

  it('a failed background checkpoint leaves the stored record paused with why, not "running"', async () => {
    const first = await setup();
    const run = await first.runner.start(config({ epochs: 40 }));
    const kept = await first.runner.pause(run.id);
    await first.runner.resume(run.id);
    expect((await readRunRecords(first.db)).records[0]!.status).toBe('running');
    await until(() => {
      const u = lastUpdate(first.events, run.id);
      return u && u.live.step > kept.live.step + 2 ? true : undefined;
    });
    const storage = { estimate: async () => ({ usage: 100, quota: 100 + SPACE_MARGIN_BYTES }) };
    vi.stubGlobal('navigator', { storage });
    let keptAt = -1;
    try {
      // What the page asks for on pagehide or when hidden: a checkpoint written in the background.
      first.runner.checkpointAll();
      const u = await until(() => {
        const last = lastUpdate(first.events, run.id);
        return last?.status === 'paused' ? last : undefined;
      });
      expect(u.message).toMatch(/Not enough storage space/);
      // Epoch ends checkpoint too (4 steps an epoch here): the last stored one is what counts.
      // It may be at the paused step itself, when an epoch ended just before the failed write.
      const at = (await loadCheckpoint(first.db, run.id))!.step;
      expect(at).toBeGreaterThanOrEqual(kept.live.step);
      expect(at).toBeLessThanOrEqual(u.live.step);
      expect(u.message).toMatch(
        new RegExp(`Its last stored checkpoint \\(step ${at}\\) is intact`),
      );
      // The record is written after the failed checkpoint settles, in the same write queue.
      let stored = (await readRunRecords(first.db)).records[0]!;
      for (let i = 0; i < 100 && stored.status !== 'paused'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        stored = (await readRunRecords(first.db)).records[0]!;
      }
      expect(stored.status).toBe('paused');
      expect(stored.message).toBe(u.message);
      expect(stored.checkpointStep).toBe(at);
      expect(stored.live.step).toBe(at);
      keptAt = at;
    } finally {
      vi.unstubAllGlobals();
    }
    // A reload reads what is true: paused at the stored checkpoint, with why (not "Interrupted").
    const second = await setup(first);
    const shown = (await second.runner.list()).runs[0]!.run;
    expect(shown.status).toBe('paused');
    expect(shown.message).toMatch(/Not enough storage space/);
    expect(shown.live.step).toBe(keptAt);
    first.db.close();
  });
});
