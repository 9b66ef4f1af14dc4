/**
 * The runs of one worker: starts, pauses, resumes, stops and steps them; in queue mode one
 * runs at a time and the next starts when it ends, in race mode the running runs take turns
 * step by step so their curves grow together. Sends metrics at most every METRICS_INTERVAL_MS
 * (paced on a software GPU: with each quiet moment, see setPacing) and recovers from faults: a
 * non-finite loss pauses the run and rolls it back to its last checkpoint; a lost device
 * reloads every run from its checkpoint on a new backend, whenever it is lost: at the first
 * step, during a recovery, or several times in a row (see onDeviceLost).
 */
import type {
  BackendName,
  BackendReport,
  EventMap,
  EventType,
  RunConfig,
  RunMetricsUpdate,
  RunSummary,
  TestPassTiming,
} from '../protocol/training';
import {
  deleteRunRecord,
  loadCheckpoint,
  readRunRecords,
  saveRun,
  type RunsDb,
} from '../storage/checkpoint';
import type { DataSource } from './data';
import type { KernelTuner } from './kernelTuner';
import { runConfigProblems } from '../model/hyperparameters';
import {
  CheckpointWriteError,
  TrainingRun,
  type NetworkFactory,
  type PrepareKernels,
} from './trainingRun';

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
  /**
   * Re-initialise tfjs after a device loss: WebGPU again if it comes back, else the next
   * backend; with `skipWebGpu`, the next backend at once.
   */
  reinitBackend: (options?: { skipWebGpu?: boolean }) => Promise<BackendReport>;
  /**
   * Whether the device in use is lost, or is announced lost within `ms`. A failing read
   * (mapAsync) comes before the loss is announced; on a software GPU seconds before, once
   * the queued work is done. Resolves false at once where no device can be lost (CPU).
   */
  deviceLost: (ms: number) => Promise<boolean>;
  /** Kernel preparation before a run's first step, with progress (WebGPU; optional). */
  prepare?: PrepareKernels;
  /** The convolution tuner of the device in use (WebGPU; optional: kernelTuner.ts). */
  tuner?: () => KernelTuner | null;
}

/** How long a failed step waits for a device loss to be announced before failing the run. */
export const DEVICE_LOSS_GRACE_MS = 10_000;
/** Device losses in a row, with no step done between, before WebGPU is given up for the next backend. */
export const MAX_LOSSES_IN_A_ROW = 3;

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
  /** A loss announced while recovering from the one before (its reason): recover again. */
  private lostDuringRecovery: string | null = null;
  /** Device losses since the last step that went through. */
  private lossesInARow = 0;
  private pendingMetrics = new Map<string, RunMetricsUpdate>();
  private metricsTimer: ReturnType<typeof setTimeout> | null = null;
  private restored = false;
  private pacing = false;
  private lastQuiet = 0;
  private endQuiet: (() => void) | null = null;
  /** Why this runner may not write the runs store (another tab trains them), or null. */
  private readOnly: string | null = null;
  /** Stored runs that could not be read (kept, untouched), for a person. */
  private damaged: string[] = [];

  constructor(private readonly deps: RunnerDeps) {}

  /**
   * Another tab's worker holds the runs (see worker.ts): this runner only shows what is
   * stored and refuses every command that would write, with `reason`.
   */
  setReadOnly(reason: string): void {
    this.readOnly = reason;
  }

  get isReadOnly(): boolean {
    return this.readOnly !== null;
  }

  /**
   * This runner becomes the writer (the other tab closed): the stored runs are read again and
   * the ones that were training there are paused at their last checkpoint, ready to resume.
   */
  async takeOver(): Promise<void> {
    this.readOnly = null;
    for (const run of this.runs.values()) run.unload();
    this.runs.clear();
    this.restored = false;
    await this.restore();
  }

  /**
   * The runs store closed under us (another tab upgraded it): nothing more can be stored, so
   * every run stops where it is and commands are refused with `reason`.
   */
  storageClosed(reason: string): void {
    this.readOnly = reason;
    this.generation++;
    for (const run of this.runs.values()) {
      if (run.status === 'running' || run.status === 'queued' || run.status === 'pausing') {
        run.status = 'paused';
        run.message = reason;
      }
      run.unload();
      this.deps.emit('runUpdate', { run: run.summary() });
    }
  }

  private writable(): void {
    if (this.readOnly) throw new Error(this.readOnly);
  }

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
        ...(this.deps.tuner ? { tuner: this.deps.tuner } : {}),
        hooks: {
          onTrainPoint: (run, point) => this.queueMetrics(run, { train: [point] }),
          onTestPoint: (run, point, grid) =>
            this.queueMetrics(run, { test: [point], ...(grid ? { grid } : {}) }),
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

  /**
   * Reads the stored runs once; runs that were running when the page went are paused. Read
   * only (another tab trains them), they are shown as stored and read again at each list.
   */
  async restore(): Promise<void> {
    if (this.readOnly) {
      // The store may be closed (an update in another tab): then the last view stays.
      const stored = await readRunRecords(this.deps.db).catch(() => null);
      if (!stored) return;
      this.damaged = stored.damaged;
      for (const run of this.runs.values()) run.unload();
      this.runs = new Map(stored.records.map((r) => [r.id, this.newRun(r.id, r.config, r)]));
      return;
    }
    if (this.restored) return;
    this.restored = true;
    const { records, damaged } = await readRunRecords(this.deps.db);
    this.damaged = damaged;
    for (const record of records) {
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
      readOnly: this.readOnly,
      damaged: this.damaged,
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

  /** Commands that need the device wait until a recovery is done. */
  private async settled(): Promise<void> {
    while (this.recovering) await this.recovering;
  }

  /**
   * Whether `error` came with a device loss (now or within the grace period). Such errors are
   * the device's raw words ("Failed to execute 'mapAsync' on 'GPUBuffer'..."): never shown.
   */
  private async lostDevice(): Promise<boolean> {
    if (this.recovering) return true;
    const lost = await this.deps.deviceLost(DEVICE_LOSS_GRACE_MS);
    return lost || this.recovering !== null;
  }

  async start(config: RunConfig): Promise<RunSummary> {
    this.writable();
    await this.restore();
    this.validate(config);
    await this.settled();
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

  /**
   * Pauses: no step starts after the one in flight, and the run is 'pausing' until its
   * checkpoint at that step is committed; only then is it 'paused' (a reload keeps that step).
   */
  async pause(runId: string): Promise<RunSummary> {
    this.writable();
    await this.restore();
    const run = this.get(runId);
    if (run.status === 'running' || run.status === 'queued') {
      run.status = 'pausing';
      run.message = null;
      run.stopTrainingClock();
      this.deps.emit('runUpdate', { run: run.summary() });
      try {
        await run.exclusive(() => run.checkpoint('paused'));
      } catch (error) {
        run.status = 'paused';
        if (await this.lostDevice()) {
          await this.backToCheckpoint(run, 'while the run was pausing');
          this.promote();
          return run.summary();
        }
        run.message = describe(error);
        // The checkpoint was not stored: the record must not go on saying "running".
        if (error instanceof CheckpointWriteError) await run.recordStoragePause();
        this.deps.emit('runUpdate', { run: run.summary() });
        this.promote();
        throw error;
      }
      if (run.status === 'pausing') run.status = 'paused';
      this.deps.emit('runUpdate', { run: run.summary() });
      this.promote();
    }
    return run.summary();
  }

  /**
   * After a device loss: `run` (paused or stopped) keeps only its checkpoint; it says so, and
   * a resume goes on from there.
   */
  private async backToCheckpoint(run: TrainingRun, when: string): Promise<void> {
    const at = run.checkpointStep;
    run.unload();
    run.live.step = at ?? 0;
    run.step = at ?? 0;
    run.message =
      at === null
        ? `The GPU device was lost ${when}, before its first checkpoint: resume starts it again.`
        : `The GPU device was lost ${when}: the run is back at its checkpoint at step ${at}, where resume goes on.`;
    await run.saveRecord();
    this.deps.emit('runUpdate', { run: run.summary() });
  }

  /**
   * Checkpoints every running run now, in the background (the page is going away, or hidden).
   * What the worker manages before the page is gone is kept; the timed checkpoints bound the
   * rest.
   */
  checkpointAll(): void {
    if (this.readOnly) return;
    for (const run of this.runs.values()) {
      if (run.status === 'running' && run.isLoaded) {
        void run.exclusive(async () =>
          run.checkpointInBackground((error) => this.storageFault(run, error)),
        );
      }
    }
  }

  /**
   * A checkpoint could not be stored: the run pauses and says why, and its stored record says
   * the same (paused at its last stored checkpoint), not "running" (issue #15).
   */
  private storageFault(run: TrainingRun, error: unknown): void {
    if (run.status !== 'running' && run.status !== 'queued' && run.status !== 'pausing') return;
    run.status = 'paused';
    run.message = describe(error);
    run.stopTrainingClock();
    void run.recordStoragePause();
    this.deps.emit('runUpdate', { run: run.summary() });
    this.promote();
  }

  async resume(runId: string): Promise<RunSummary> {
    this.writable();
    await this.restore();
    const run = this.get(runId);
    if (run.status !== 'paused') {
      throw new Error(`Only a paused run can resume; this one is ${run.status}.`);
    }
    await this.settled();
    let history: boolean;
    try {
      await run.verifyDataset();
      history = await this.ensureLoaded(run);
    } catch (error) {
      // Stays paused, saying why (the dataset changed or is gone, a damaged checkpoint).
      run.message = describe(error);
      this.deps.emit('runUpdate', { run: run.summary() });
      throw error;
    }
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
    this.writable();
    await this.restore();
    const run = this.get(runId);
    if (run.status === 'stopped' || run.status === 'finished') return run.summary();
    run.status = 'stopped';
    run.message = null;
    this.deps.emit('runUpdate', { run: run.summary() });
    try {
      await run.exclusive(async () => {
        try {
          await run.checkpoint('stopped');
        } finally {
          run.unload();
        }
      });
    } catch (error) {
      if (!(await this.lostDevice())) throw error;
      await this.backToCheckpoint(run, 'while the run was stopping');
    }
    this.promote();
    return run.summary();
  }

  async stepOnce(runId: string): Promise<RunSummary> {
    this.writable();
    await this.restore();
    const run = this.get(runId);
    if (run.status !== 'paused') throw new Error('Pause the run first, then step it.');
    await this.settled();
    try {
      const reloaded = await this.ensureLoaded(run);
      if (reloaded) this.deps.emit('runUpdate', { run: run.summary(), history: run.history });
      await run.exclusive(() => this.advance(run, true, this.generation));
    } catch (error) {
      if (!(await this.lostDevice())) throw error;
      await this.settled();
      await this.backToCheckpoint(run, 'during the step');
    }
    return run.summary();
  }

  /**
   * The insight's cost (README): test passes of a paused run with and without it, alternated
   * so that a drift in the machine's load hits both alike, after one warm-up pass of each.
   * With `insight`, only `passes` passes of that kind and no warm-up (the benchmark script
   * alternates them itself, to read the browser's CPU time around each).
   */
  async measureTestPass(runId: string, passes: number, insight?: boolean): Promise<TestPassTiming> {
    const run = this.get(runId);
    if (run.status !== 'paused')
      throw new Error('Pause the run first, then measure its test pass.');
    if (!Number.isInteger(passes) || passes < 1 || passes > 100) {
      throw new Error('Measure between 1 and 100 passes.');
    }
    await this.ensureLoaded(run);
    return run.exclusive(async () => {
      const timing: TestPassTiming = {
        backend: run.backend,
        testImages: 0,
        withInsightMs: [],
        withoutInsightMs: [],
        insightCpuMs: [],
      };
      const pass = async (withInsight: boolean, keep: boolean) => {
        const point = await run.evaluate({ insight: withInsight });
        const t = run.lastPassTiming!;
        if (!keep) return;
        if (withInsight) {
          timing.withInsightMs.push(t.ms);
          timing.insightCpuMs.push(t.insightCpuMs);
          timing.testImages = point.insight
            ? point.insight.confusion.reduce((a, b) => a + b, 0)
            : 0;
        } else timing.withoutInsightMs.push(t.ms);
      };
      if (insight !== undefined) {
        for (let i = 0; i < passes; i++) await pass(insight, true);
        return timing;
      }
      await pass(true, false);
      await pass(false, false);
      for (let i = 0; i < passes; i++) {
        const first = i % 2 === 0;
        await pass(first, true);
        await pass(!first, true);
      }
      return timing;
    });
  }

  /**
   * Changes the learning rate from the current step on; the change is stored at once (in the
   * run's record, and in a checkpoint at the next step while it runs), so a reload keeps it.
   */
  async setLearningRate(runId: string, lr: number): Promise<RunSummary> {
    this.writable();
    await this.restore();
    const run = this.get(runId);
    if (!(lr > 0) || !Number.isFinite(lr)) {
      throw new Error('The learning rate must be a positive number (the paper starts at 0.1).');
    }
    run.lrOverride = { value: lr, atStep: run.step };
    run.live.lr = run.isLoaded ? run.currentLr() : lr;
    if (run.status === 'running') run.checkpointWanted = true;
    await run.saveRecord();
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
    this.writable();
    await this.restore();
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
          await run.exclusive(() => this.advance(run, false, generation));
          await this.quietMoment(run);
        } catch (error) {
          if (error instanceof CheckpointWriteError) {
            this.storageFault(run, error);
            continue;
          }
          // A device loss is announced after the failing call: the recovery takes over.
          const lost = await this.lostDevice();
          if (generation !== this.generation || lost) break;
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
  private async advance(run: TrainingRun, single: boolean, generation: number): Promise<void> {
    if (!single && run.status !== 'running') return;
    if (!run.isLoaded) {
      await run.load(await loadCheckpoint(this.deps.db, run.id));
      this.deps.emit('runUpdate', { run: run.summary(), history: run.history });
    }
    await run.trainOneStep(single);
    // A step that settles after a device loss belongs to the lost device: the recovery
    // reloaded the run, so nothing of this one may touch it.
    if (generation !== this.generation) return;
    this.lossesInARow = 0;
    if (single) run.stopTrainingClock();
    else run.countTrainingTime();
    if (!run.fault && run.dueForEvaluation()) await run.evaluate();
    if (generation !== this.generation) return;
    this.queueMetrics(run, {});
    if (run.fault) {
      await this.rollBack(run, run.fault.message);
      return;
    }
    if (run.finished) {
      if (!run.dueForEvaluation()) await run.evaluate();
      run.status = 'finished';
      run.message = null;
      await run.checkpoint('finished');
      run.unload();
      this.deps.emit('runUpdate', { run: run.summary() });
      this.promote();
      return;
    }
    if (single) {
      // A step of a paused run is kept like a pause: its checkpoint is committed.
      await run.checkpoint();
    } else if (run.endsEpoch() || run.dueForTimedCheckpoint()) {
      run.checkpointInBackground((error) => this.storageFault(run, error));
    }
  }

  /** Pauses `run` with `message` and puts it back to its last checkpoint. */
  private async rollBack(run: TrainingRun, message: string): Promise<void> {
    run.unload();
    run.status = 'paused';
    run.stopTrainingClock();
    // The checkpoint's rate, not the one that diverged.
    run.lrOverride = null;
    const checkpoint = await loadCheckpoint(this.deps.db, run.id);
    run.message = checkpoint
      ? `${message} the run was rolled back to its last checkpoint (step ${checkpoint.step}).`
      : `${message} it had no checkpoint yet, so it starts again from step 0.`;
    await run.load(checkpoint);
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
   * else the next backend) and reload the running runs from their checkpoints, or from step 0
   * with a message where there is none yet; they go on. A loss announced during the recovery
   * (the new device lost too) recovers again once this one is done; after MAX_LOSSES_IN_A_ROW
   * losses with no step between, WebGPU is given up for the next backend.
   */
  onDeviceLost(reason: string): Promise<void> {
    this.lostDuringRecovery = reason;
    this.recovering ??= this.recoverWhileLost().finally(() => {
      this.recovering = null;
      this.kick();
    });
    return this.recovering;
  }

  private async recoverWhileLost(): Promise<void> {
    // `recovering` is set before the first recovery starts: a loss announced at once (even
    // from inside the backend's restart) joins this recovery instead of starting another.
    await Promise.resolve();
    while (this.lostDuringRecovery !== null) {
      const reason = this.lostDuringRecovery;
      this.lostDuringRecovery = null;
      await this.recover(reason);
    }
  }

  private async recover(reason: string): Promise<void> {
    this.generation++;
    this.lossesInARow++;
    const lostAt = new Map<TrainingRun, number>();
    for (const run of this.runs.values()) {
      lostAt.set(run, run.step);
      run.resetQueue();
      run.unload();
    }
    let report: BackendReport;
    try {
      report = await this.deps.reinitBackend({
        skipWebGpu: this.lossesInARow >= MAX_LOSSES_IN_A_ROW,
      });
    } catch (error) {
      for (const run of this.runs.values()) {
        if (run.status === 'running' || run.status === 'queued') {
          this.fail(
            run,
            `the GPU device was lost and no backend could start again (${describe(error)})`,
          );
        }
      }
      return;
    }
    const gaveUp = this.lossesInARow >= MAX_LOSSES_IN_A_ROW && report.backend !== 'webgpu';
    this.deps.emit('backendChanged', {
      report,
      reason:
        `The GPU device was lost (${reason}); training continues from the last checkpoints on ${report.backend}` +
        (gaveUp ? ` (WebGPU was lost ${this.lossesInARow} times in a row).` : '.'),
    });
    for (const run of this.runs.values()) {
      if (run.status !== 'running') continue;
      try {
        await run.exclusive(async () => {
          await run.load(await loadCheckpoint(this.deps.db, run.id));
        });
        const from = run.checkpointStep;
        const at = lostAt.get(run) ?? 0;
        run.message =
          from === null
            ? `The GPU device was lost at step ${at}, before the run's first checkpoint: it started again from step 0.`
            : `The GPU device was lost at step ${at}: the run went back to its checkpoint at step ${from} and goes on.`;
        await run.saveRecord();
        this.deps.emit('runUpdate', { run: run.summary(), history: run.history });
      } catch (error) {
        // The new device lost as well: the next round reloads the run.
        if (this.lostDuringRecovery !== null) continue;
        this.fail(run, describe(error));
      }
    }
  }

  private queueMetrics(
    run: TrainingRun,
    add: Partial<Pick<RunMetricsUpdate, 'train' | 'test' | 'grid'>>,
  ) {
    const entry = this.pendingMetrics.get(run.id) ?? {
      runId: run.id,
      live: run.live,
      train: [],
      test: [],
    };
    entry.train.push(...(add.train ?? []));
    entry.test.push(...(add.test ?? []));
    if (add.grid) entry.grid = add.grid;
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
