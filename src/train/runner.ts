/**
 * The runs of one worker: starts, pauses, resumes, stops and steps them; in queue mode one
 * runs at a time and the next starts when it ends, in race mode the running runs take turns
 * step by step so their curves grow together. Sends metrics at most every METRICS_INTERVAL_MS
 * (paced on a software GPU: with each quiet moment, see setPacing) and recovers from faults: a
 * non-finite loss pauses the run and rolls it back to its last checkpoint; a lost device
 * reloads every run from its checkpoint on a new backend.
 */
import type {
  BackendName,
  BackendReport,
  EventMap,
  EventType,
  RunConfig,
  RunMetricsUpdate,
  RunSummary,
} from '../protocol/training';
import {
  deleteRunRecord,
  listRunRecords,
  loadCheckpoint,
  saveRun,
  type RunsDb,
} from '../storage/checkpoint';
import type { DataSource } from './data';
import { runConfigProblems } from '../model/hyperparameters';
import { TrainingRun, type NetworkFactory, type PrepareKernels } from './trainingRun';

export const METRICS_INTERVAL_MS = 100;
/** Pacing (see setPacing): how often the worker leaves the cores to the page, and how long at most. */
export const QUIET_EVERY_MS = 1000;
export const QUIET_MAX_MS = 300;

export interface RunnerDeps {
  db: RunsDb;
  data: DataSource;
  buildNetwork: NetworkFactory;
  backendName: () => BackendName;
  /** Why `config` cannot train on this device (spec errors, adapter limits), or null. */
  refusal: (config: RunConfig) => string | null;
  emit: <K extends EventType>(type: K, payload: EventMap[K]) => void;
  /** Re-initialise tfjs after a device loss (WebGPU again if it comes back, else the next). */
  reinitBackend: () => Promise<BackendReport>;
  /** Kernel preparation before a run's first step, with progress (WebGPU; optional). */
  prepare?: PrepareKernels;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Runner {
  race = false;
  private runs = new Map<string, TrainingRun>();
  private generation = 0;
  private looping = -1;
  private turn = 0;
  private recovering: Promise<void> | null = null;
  private pendingMetrics = new Map<string, RunMetricsUpdate>();
  private metricsTimer: ReturnType<typeof setTimeout> | null = null;
  private restored = false;
  private pacing = false;
  private lastQuiet = 0;
  private endQuiet: (() => void) | null = null;

  constructor(private readonly deps: RunnerDeps) {}

  /**
   * Pacing on a software GPU adapter, asked by the UI: SwiftShader runs the GPU's work on the
   * CPU cores, and a chart redraw of 15-20 ms of CPU then takes 2-4 times as long on the page's
   * main thread. About once a second the loop lets the queued GPU work finish, sends the
   * metrics gathered since the last time and `quietMoment`, and waits for `quietDone` (at most
   * QUIET_MAX_MS) before the next step: everything the page redraws for training lands there.
   */
  setPacing(enabled: boolean): void {
    this.pacing = enabled;
    if (!enabled) this.quietDone();
  }

  /** The page is done with the quiet moment. */
  quietDone(): void {
    const end = this.endQuiet;
    this.endQuiet = null;
    end?.();
  }

  private async quietMoment(run: TrainingRun): Promise<void> {
    if (!this.pacing || performance.now() - this.lastQuiet < QUIET_EVERY_MS) return;
    // The GPU finishes what it was given, and the page gets the latest numbers to draw.
    await run.exclusive(() => run.drainGpu());
    this.flushMetrics();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.endQuiet = null;
        resolve();
      }, QUIET_MAX_MS);
      this.endQuiet = () => {
        clearTimeout(timer);
        resolve();
      };
      this.deps.emit('quietMoment', { maxMs: QUIET_MAX_MS });
    });
    this.lastQuiet = performance.now();
  }

  private get(runId: string): TrainingRun {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`No run with id ${runId}`);
    return run;
  }

  private newRun(
    id: string,
    config: RunConfig,
    stored?: ConstructorParameters<typeof TrainingRun>[3],
  ): TrainingRun {
    return new TrainingRun(
      id,
      config,
      {
        db: this.deps.db,
        data: this.deps.data,
        buildNetwork: this.deps.buildNetwork,
        backendName: this.deps.backendName,
        ...(this.deps.prepare ? { prepare: this.deps.prepare } : {}),
        hooks: {
          onTrainPoint: (run, point) => this.queueMetrics(run, { train: [point] }),
          onTestPoint: (run, point) => this.queueMetrics(run, { test: [point] }),
          onCheckpoint: (run) => this.deps.emit('runUpdate', { run: run.summary() }),
          onPhase: (run, phase, done, total) =>
            this.deps.emit('runProgress', {
              runId: run.id,
              phase,
              done,
              total,
              elapsedSeconds: run.secondsSinceLoad,
            }),
        },
      },
      stored,
    );
  }

  /** Reads the stored runs once; runs that were running when the page went are paused. */
  async restore(): Promise<void> {
    if (this.restored) return;
    this.restored = true;
    for (const record of await listRunRecords(this.deps.db)) {
      if (this.runs.has(record.id)) continue;
      if (record.status === 'running' || record.status === 'queued') {
        const at = record.checkpointStep;
        record.status = 'paused';
        record.message =
          at === null
            ? 'Interrupted (the page was closed or reloaded) before its first checkpoint: resume starts it again.'
            : `Interrupted (the page was closed or reloaded): resume continues from its checkpoint at step ${at}.`;
        record.live.step = at ?? 0;
        await saveRun(this.deps.db, record, null);
      }
      this.runs.set(record.id, this.newRun(record.id, record.config, record));
    }
  }

  async list(): Promise<EventMap['runList']> {
    await this.restore();
    return {
      race: this.race,
      runs: [...this.runs.values()].map((run) => ({ run: run.summary(), history: run.history })),
    };
  }

  private validate(config: RunConfig): void {
    // The form's and the share URL's schema (model/hyperparameters.ts): one set of bounds.
    const problems = runConfigProblems(config);
    if (problems.length === 0) {
      const refusal = this.deps.refusal(config);
      if (refusal) problems.push(refusal);
    }
    if (problems.length > 0) throw new Error(problems.join(' '));
  }

  private hasRunning(except?: TrainingRun): boolean {
    for (const run of this.runs.values()) {
      if (run !== except && run.status === 'running') return true;
    }
    return false;
  }

  async start(config: RunConfig): Promise<RunSummary> {
    await this.restore();
    this.validate(config);
    const id = `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
    const run = this.newRun(id, config);
    run.status = !this.race && this.hasRunning() ? 'queued' : 'running';
    this.runs.set(id, run);
    try {
      // Loading now turns a missing dataset or a bad spec into this command's error.
      await run.exclusive(() => run.load(undefined));
    } catch (error) {
      this.runs.delete(id);
      run.unload();
      throw error;
    }
    if (run.status === 'queued') run.unload();
    await run.saveRecord();
    this.kick();
    return run.summary();
  }

  async pause(runId: string): Promise<RunSummary> {
    const run = this.get(runId);
    if (run.status === 'running' || run.status === 'queued') {
      run.status = 'paused';
      run.message = null;
      // Say so at once; the checkpoint waits for the step in flight and the device's queue.
      this.deps.emit('runUpdate', { run: run.summary() });
      await run.exclusive(() => run.checkpoint());
      this.promote();
    }
    return run.summary();
  }

  async resume(runId: string): Promise<RunSummary> {
    const run = this.get(runId);
    if (run.status !== 'paused') {
      throw new Error(`Only a paused run can resume; this one is ${run.status}.`);
    }
    const history = await this.ensureLoaded(run);
    run.status = !this.race && this.hasRunning(run) ? 'queued' : 'running';
    run.message = null;
    await run.saveRecord();
    if (history) this.deps.emit('runUpdate', { run: run.summary(), history: run.history });
    this.kick();
    return run.summary();
  }

  /** Loads a run from its checkpoint if it is not on the device; true when it was loaded. */
  private async ensureLoaded(run: TrainingRun): Promise<boolean> {
    if (run.isLoaded) return false;
    await run.exclusive(async () => {
      if (!run.isLoaded) await run.load(await loadCheckpoint(this.deps.db, run.id));
    });
    return true;
  }

  async stop(runId: string): Promise<RunSummary> {
    const run = this.get(runId);
    if (run.status === 'stopped' || run.status === 'finished') return run.summary();
    run.status = 'stopped';
    run.message = null;
    this.deps.emit('runUpdate', { run: run.summary() });
    await run.exclusive(async () => {
      if (run.isLoaded) await run.checkpoint();
      else await run.saveRecord();
      run.unload();
    });
    this.promote();
    return run.summary();
  }

  async stepOnce(runId: string): Promise<RunSummary> {
    const run = this.get(runId);
    if (run.status !== 'paused') throw new Error('Pause the run first, then step it.');
    const reloaded = await this.ensureLoaded(run);
    if (reloaded) this.deps.emit('runUpdate', { run: run.summary(), history: run.history });
    await run.exclusive(() => this.advance(run, true));
    return run.summary();
  }

  setLearningRate(runId: string, lr: number): RunSummary {
    const run = this.get(runId);
    if (!(lr > 0) || !Number.isFinite(lr)) {
      throw new Error('The learning rate must be a positive number (the paper starts at 0.1).');
    }
    run.lrOverride = { value: lr, atStep: run.step };
    run.live.lr = run.isLoaded ? run.currentLr() : lr;
    return run.summary();
  }

  setRace(race: boolean): void {
    this.race = race;
    if (race) {
      for (const run of this.runs.values()) if (run.status === 'queued') run.status = 'running';
    } else {
      let first = true;
      for (const run of this.runs.values()) {
        if (run.status !== 'running') continue;
        if (!first) run.status = 'queued';
        first = false;
      }
    }
    for (const run of this.runs.values()) this.deps.emit('runUpdate', { run: run.summary() });
    this.kick();
  }

  async remove(runId: string): Promise<void> {
    const run = this.get(runId);
    run.status = 'stopped';
    this.runs.delete(runId);
    await run.exclusive(async () => run.unload());
    await deleteRunRecord(this.deps.db, runId);
    this.promote();
  }

  /** In queue mode, starts the first queued run when none is running. */
  private promote(): void {
    if (this.race || this.hasRunning()) return;
    for (const run of this.runs.values()) {
      if (run.status === 'queued') {
        run.status = 'running';
        this.deps.emit('runUpdate', { run: run.summary() });
        break;
      }
    }
    this.kick();
  }

  private pick(): TrainingRun | null {
    const running = [...this.runs.values()].filter((r) => r.status === 'running');
    if (running.length === 0) return null;
    if (!this.race) return running[0]!;
    this.turn = (this.turn + 1) % running.length;
    return running[this.turn]!;
  }

  private kick(): void {
    if (this.looping === this.generation || this.recovering) return;
    void this.loop(this.generation);
  }

  private async loop(generation: number): Promise<void> {
    this.looping = generation;
    try {
      while (generation === this.generation) {
        const run = this.pick();
        if (!run) break;
        try {
          await run.exclusive(() => this.advance(run, false));
          await this.quietMoment(run);
        } catch (error) {
          await sleep(250); // a device loss is announced a little after the failing call
          if (generation !== this.generation || this.recovering) break;
          this.fail(run, describe(error));
        }
        // Let commands (pause, stop, lr) in between steps.
        await sleep(0);
      }
    } finally {
      if (this.looping === generation) this.looping = -1;
    }
  }

  /** One step of `run`, then whatever is due: evaluation, checkpoint, finishing, faults. */
  private async advance(run: TrainingRun, single: boolean): Promise<void> {
    if (!single && run.status !== 'running') return;
    if (!run.isLoaded) {
      await run.load(await loadCheckpoint(this.deps.db, run.id));
      this.deps.emit('runUpdate', { run: run.summary(), history: run.history });
    }
    await run.trainOneStep(single);
    if (!run.fault && run.dueForEvaluation()) await run.evaluate();
    this.queueMetrics(run, {});
    if (run.fault) {
      await this.rollBack(run, run.fault.message);
      return;
    }
    if (run.finished) {
      if (!run.dueForEvaluation()) await run.evaluate();
      run.status = 'finished';
      run.message = null;
      await run.checkpoint();
      run.unload();
      this.deps.emit('runUpdate', { run: run.summary() });
      this.promote();
      return;
    }
    if (run.endsEpoch() || run.dueForTimedCheckpoint()) await run.checkpoint();
  }

  /** Pauses `run` with `message` and puts it back to its last checkpoint. */
  private async rollBack(run: TrainingRun, message: string): Promise<void> {
    run.unload();
    run.status = 'paused';
    run.message = message;
    await run.load(await loadCheckpoint(this.deps.db, run.id));
    await run.saveRecord();
    this.deps.emit('runUpdate', { run: run.summary(), history: run.history });
    this.promote();
  }

  private fail(run: TrainingRun, message: string): void {
    run.status = 'failed';
    run.message = `Training stopped with an error: ${message}`;
    run.unload();
    void run.saveRecord().catch(() => undefined);
    this.deps.emit('runUpdate', { run: run.summary() });
    this.promote();
  }

  /**
   * The device is gone: every tensor with it. Start tfjs again (WebGPU if a new device comes,
   * else the next backend) and reload the runs from their checkpoints; the running ones go on.
   */
  onDeviceLost(reason: string): Promise<void> {
    this.recovering ??= this.recover(reason).finally(() => {
      this.recovering = null;
      this.kick();
    });
    return this.recovering;
  }

  private async recover(reason: string): Promise<void> {
    this.generation++;
    for (const run of this.runs.values()) {
      run.resetQueue();
      run.unload();
    }
    const report = await this.deps.reinitBackend();
    this.deps.emit('backendChanged', {
      report,
      reason: `The GPU device was lost (${reason}); training continues from the last checkpoints on ${report.backend}.`,
    });
    for (const run of this.runs.values()) {
      if (run.status !== 'running') continue;
      try {
        await run.exclusive(async () => {
          await run.load(await loadCheckpoint(this.deps.db, run.id));
        });
        this.deps.emit('runUpdate', { run: run.summary(), history: run.history });
      } catch (error) {
        this.fail(run, describe(error));
      }
    }
  }

  private queueMetrics(run: TrainingRun, add: Partial<Pick<RunMetricsUpdate, 'train' | 'test'>>) {
    const entry = this.pendingMetrics.get(run.id) ?? {
      runId: run.id,
      live: run.live,
      train: [],
      test: [],
    };
    entry.train.push(...(add.train ?? []));
    entry.test.push(...(add.test ?? []));
    this.pendingMetrics.set(run.id, entry);
    // Paced, the metrics go out with each quiet moment (so that the page's every redraw falls in
    // one); the timer only catches what no quiet moment follows (a run that just ended).
    this.metricsTimer ??= setTimeout(
      () => this.flushMetrics(),
      this.pacing ? QUIET_EVERY_MS + QUIET_MAX_MS : METRICS_INTERVAL_MS,
    );
  }

  private flushMetrics(): void {
    if (this.metricsTimer) clearTimeout(this.metricsTimer);
    this.metricsTimer = null;
    const updates = [...this.pendingMetrics.values()].map((u) => {
      const run = this.runs.get(u.runId);
      return { ...u, live: { ...(run?.live ?? u.live) } };
    });
    this.pendingMetrics.clear();
    if (updates.length > 0) this.deps.emit('runMetrics', { updates });
  }
}
