/**
 * One training run: its network and optimizer state on the device, its position in the data,
 * its metrics, and its checkpoints. The runner (runner.ts) decides when it steps; this class
 * does one step at a time and never reads the device synchronously: the loss and error are
 * summed on the device and read asynchronously every REPORT_EVERY steps (aligned to absolute
 * step numbers, so a resumed run reports exactly the points an uninterrupted one would).
 */
import * as tf from '@tensorflow/tfjs';
import type { BuiltNetwork, NamedVariable } from '../model/network';
import type { NetworkSpec } from '../model/spec';
import type {
  BackendName,
  InsightGrid,
  RunConfig,
  RunHistory,
  RunLive,
  RunStatus,
  RunSummary,
  StartPhase,
  TestPoint,
  TrainPoint,
} from '../protocol/training';
import { augmentAndNormalize, drawAugmentation, imagesToTensor, padFill } from './augment';
import { checkSpace, describeWriteFailure, estimateSpace } from '../storage/space';
import { RUN_RECORD_VERSION, type StoredRunStatus } from '../storage/runRecord';
import {
  markStoredRunPaused,
  saveRun,
  type CheckpointRecord,
  type DatasetIdentity,
  type MetricsWindow,
  type RunRecord,
  type RunsDb,
  type StoredTensor,
} from '../storage/checkpoint';
import type { DataInfo, DataSource, TrainerBatch } from './data';
import { createRng, mixSeed } from '../model/random';
import { learningRateAt, type LrOverride } from '../model/schedule';
import { PassInsights } from './passInsights';
import {
  disposeFusedTrainer,
  fusedEvalBatch,
  fusedTrainStep,
  prepareFusedTrainStep,
} from './fused/step';
import { copyOnDevice } from './fused/runtime';
import { createOptimizerSlots, evalBatch, trainStep, type OptimizerSlots } from './step';
import { chooseStep } from './stepChoice';
import type { KernelTuner } from './kernelTuner';

/**
 * Steps between two asynchronous reads of the running loss (one train point each), unless the
 * run's config says otherwise (`reportEverySteps`). Step 1 always gets a point of its own, so
 * the chart has something to show as soon as the run has learnt anything.
 */
export const REPORT_EVERY = 5;
/** Pixels of padding before the random crop (Section 4.2; its fill: RunConfig.padFill). */
export const CROP_PAD = 4;

export type NetworkFactory = (spec: NetworkSpec, seed: number) => BuiltNetwork;

export interface RunHooks {
  onTrainPoint(run: TrainingRun, point: TrainPoint): void;
  /** `grid`: the run's insight grid, with the pass that first picked it. */
  onTestPoint(run: TrainingRun, point: TestPoint, grid?: InsightGrid): void;
  /** A checkpoint was written (its step is `run.checkpointStep`). */
  onCheckpoint?(run: TrainingRun): void;
  /** The run moved on its way to its first loss point (see StartPhase). */
  onPhase?(run: TrainingRun, phase: StartPhase, done: number, total: number): void;
}

/**
 * Prepares the kernels and pipelines a network's steps need, before the first step, reporting
 * `onPrepareProgress(done, total)` as they become ready (src/train/fused: WebGPU only).
 */
export type PrepareKernels = (
  net: BuiltNetwork,
  batchSize: number,
  onPrepareProgress: (done: number, total: number) => void,
) => Promise<void>;

interface Loaded {
  net: BuiltNetwork;
  slots: OptimizerSlots;
  info: DataInfo;
  lossSum: tf.Scalar;
  correctSum: tf.Scalar;
  windowImages: number;
  windowSteps: number;
  /** The current epoch's batch stream. */
  batches: { epoch: number; iterator: AsyncGenerator<TrainerBatch, void, undefined> } | null;
}

/**
 * Checkpoints while running: at least this often in training time (a closed tab loses at most
 * this much), the first one sooner. Each costs a copy of the weights on the device and a read
 * in the background; the steps go on meanwhile.
 */
export const CHECKPOINT_EVERY_MS = 30_000;
export const FIRST_CHECKPOINT_MS = 10_000;
/** A gap longer than this between two steps is not training time (paused, or the tab slept). */
const MAX_STEP_GAP_MS = 5_000;

/** A checkpoint that could not be stored: `message` is for a person; the run should pause. */
export class CheckpointWriteError extends Error {
  override name = 'CheckpointWriteError';
}

/** The run's state copied on the device at one step, waiting to be read back and stored. */
interface Snapshot {
  loaded: Loaded;
  step: number;
  weights: tf.Tensor[];
  running: tf.Tensor[];
  momentum: tf.Tensor[];
  lossSum: tf.Scalar;
  correctSum: tf.Scalar;
  windowImages: number;
  windowSteps: number;
  lrOverride: LrOverride | null;
  /** The train point read in flight at the snapshot (its point belongs to the history). */
  pendingRead: Promise<void> | null;
}

/** A fault found by an asynchronous read; the runner acts on it between steps. */
export interface RunFault {
  kind: 'nonFinite';
  message: string;
}

export class TrainingRun {
  status: RunStatus;
  message: string | null;
  backend: BackendName | null = null;
  /** Why this run does not take its backend's usual step (stepChoice.ts), or null. */
  stepNote: string | null = null;
  /** Steps done. */
  step = 0;
  history: RunHistory = { train: [], test: [] };
  lrOverride: LrOverride | null = null;
  checkpointStep: number | null;
  fault: RunFault | null = null;
  createdAt: number;
  live: RunLive;
  /** The data it trains on; resume refuses when that changed. */
  dataset: DatasetIdentity;
  /** A checkpoint is wanted at the next step (e.g. the learning rate changed). */
  checkpointWanted = false;

  /** The last test pass's wall time and the insight's share of the worker's CPU (benchmark). */
  lastPassTiming: { ms: number; insightCpuMs: number } | null = null;

  private loaded: Loaded | null = null;
  private stepsPerEpoch = 0;
  private pendingRead: Promise<void> | null = null;
  private lastReadAt = 0;
  /** Training time since the last checkpoint (or the load), and when the last step ended. */
  private trainingMs = 0;
  private lastStepAt = 0;
  private chain: Promise<unknown> = Promise.resolve();
  /** Checkpoint writes, one after another (a background one and a pause's never interleave). */
  private writes: Promise<unknown> = Promise.resolve();
  /** Since when this load began, while its first loss point is still to come (else null). */
  private startedAt: number | null = null;
  private firstStepAnnounced = false;

  constructor(
    readonly id: string,
    readonly config: RunConfig,
    private readonly deps: {
      db: RunsDb;
      data: DataSource;
      buildNetwork: NetworkFactory;
      hooks: RunHooks;
      backendName: () => BackendName;
      prepare?: PrepareKernels;
      /** The device's convolution tuner: cached layouts before the first step, timing between steps. */
      tuner?: () => KernelTuner | null;
    },
    stored?: RunRecord,
  ) {
    this.status = stored?.status ?? 'queued';
    this.message = stored?.message ?? null;
    this.history = stored?.history ?? { train: [], test: [] };
    this.checkpointStep = stored?.checkpointStep ?? null;
    this.createdAt = stored?.createdAt ?? Date.now();
    this.step = stored?.live.step ?? 0;
    this.lrOverride = stored?.lrOverride ?? null;
    this.dataset = stored?.dataset ?? { name: config.dataset, storageId: null, checksum: null };
    this.live = stored?.live ?? {
      step: 0,
      totalSteps: 0,
      epoch: 0,
      lr: config.schedule.base,
      imagesPerSecond: 0,
      trainLoss: null,
      trainError: null,
      testError: null,
      secondsLeft: null,
    };
  }

  get isLoaded(): boolean {
    return this.loaded !== null;
  }

  get totalSteps(): number {
    return this.stepsPerEpoch * this.config.epochs;
  }

  /** Steps between two loss points after the first one. */
  get reportEvery(): number {
    const n = this.config.reportEverySteps;
    return n !== undefined && Number.isInteger(n) && n >= 1 ? n : REPORT_EVERY;
  }

  /** Whether step `step` (1-based, just taken) ends a window: a loss point is read there. */
  reportsAt(step: number): boolean {
    return step === 1 || step % this.reportEvery === 0 || step === this.totalSteps;
  }

  private phase(phase: StartPhase, done = 0, total = 0): void {
    this.deps.hooks.onPhase?.(this, phase, done, total);
  }

  /** Seconds since this load began (for the start phases). */
  get secondsSinceLoad(): number {
    return this.startedAt === null ? 0 : (performance.now() - this.startedAt) / 1000;
  }

  /** Forgets queued tasks (after a device loss, a step may never settle). */
  resetQueue(): void {
    this.chain = Promise.resolve();
  }

  /** Runs `task` after every earlier task of this run (steps, checkpoints, loads) is done. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const next = this.chain.then(task, task);
    this.chain = next.catch(() => undefined);
    return next;
  }

  summary(): RunSummary {
    return {
      id: this.id,
      config: this.config,
      status: this.status,
      message: this.message,
      backend: this.backend,
      stepNote: this.stepNote,
      live: { ...this.live },
      checkpointStep: this.checkpointStep,
    };
  }

  currentLr(): number {
    return learningRateAt(this.config.schedule, this.step, this.totalSteps, this.lrOverride);
  }

  /**
   * Builds the network and optimizer on the current backend; from `checkpoint` when given
   * (weights, running averages, momentum, step, learning rate, metrics window and history).
   */
  async load(checkpoint: CheckpointRecord | undefined): Promise<void> {
    if (this.loaded) return;
    this.startedAt = performance.now();
    this.firstStepAnnounced = false;
    this.phase('loading');
    const info = await this.datasetInfo(checkpoint !== undefined);
    const trainImages =
      this.config.trainLimit > 0
        ? Math.min(this.config.trainLimit, info.trainCount)
        : info.trainCount;
    this.stepsPerEpoch = Math.floor(trainImages / this.config.batchSize);
    if (this.stepsPerEpoch < 1) {
      throw new Error(
        `The batch size (${this.config.batchSize}) is larger than the ${trainImages} training images: lower it.`,
      );
    }
    if (info.classes !== this.config.spec.classes) {
      throw new Error(
        `The network has ${this.config.spec.classes} outputs but "${this.config.dataset}" has ${info.classes} classes.`,
      );
    }
    const net = this.deps.buildNetwork(this.config.spec, this.config.seed);
    const slots = createOptimizerSlots(net.trainable);
    this.loaded = {
      net,
      slots,
      info,
      lossSum: tf.scalar(0),
      correctSum: tf.scalar(0),
      windowImages: 0,
      windowSteps: 0,
      batches: null,
    };
    this.backend = this.deps.backendName();
    this.stepNote = chooseStep(this.config, this.backend).note;
    if (checkpoint) {
      restoreInto(net.trainable, checkpoint.weights);
      restoreInto(net.nonTrainable, checkpoint.running);
      restoreInto(slots.velocities, checkpoint.momentum);
      this.step = checkpoint.step;
      // The record is written with every checkpoint and after every change of the rate, so
      // its rate is the newest; one set after the checkpoint applies from the checkpoint on.
      const newest = this.lrOverride ?? checkpoint.lrOverride;
      this.lrOverride = newest && { ...newest, atStep: Math.min(newest.atStep, checkpoint.step) };
      this.history = structuredClone(checkpoint.history);
      this.setWindow(checkpoint.window);
      this.checkpointStep = checkpoint.step;
    } else {
      this.step = 0;
      this.lrOverride = this.lrOverride && { ...this.lrOverride, atStep: 0 };
      this.history = { train: [], test: [] };
    }
    this.fault = null;
    // The layouts cached for this adapter, before the kernels are compiled ahead (a read of a
    // few records); the shapes not cached are timed between steps (kernelTuner.ts).
    if (chooseStep(this.config, this.backend).fused) {
      await this.deps.tuner?.()?.beforeRun(this.config.spec, this.config.batchSize);
    }
    if (this.deps.prepare && this.backend === 'webgpu') {
      this.phase('preparing', 0, 0);
      await this.deps.prepare(net, this.config.batchSize, (done, total) =>
        this.phase('preparing', done, total),
      );
    }
    this.lastReadAt = performance.now();
    this.trainingMs = 0;
    this.lastStepAt = 0;
    this.refreshLive();
  }

  /**
   * Throws (with a message for a person) when the run's dataset is gone or changed since it
   * started; a run loaded on the device keeps reading the store, so a resume checks first.
   */
  async verifyDataset(): Promise<void> {
    await this.datasetInfo(this.isLoaded || this.checkpointStep !== null);
  }

  /**
   * The dataset's shape and statistics, checked against the one the run started on: a run
   * resumed from a checkpoint continues only on the same images (same content checksum).
   */
  private async datasetInfo(resuming: boolean): Promise<DataInfo> {
    const name = this.config.dataset;
    let info: DataInfo;
    try {
      info = await this.deps.data.info(name);
    } catch (error) {
      if (!resuming) throw error;
      throw new Error(
        `The dataset "${name}" this run trained on is gone, so it cannot resume: import the same data again under that name, or delete the run.`,
      );
    }
    const known = this.dataset;
    if (
      resuming &&
      known.checksum !== null &&
      info.checksum !== undefined &&
      info.checksum !== known.checksum
    ) {
      throw new Error(
        `The dataset "${name}" changed since this run started (its images differ: checksum ${info.checksum.slice(0, 12)}… instead of ${known.checksum.slice(0, 12)}…), so it cannot resume on it: import the original data under that name, or start a new run.`,
      );
    }
    this.dataset = {
      name,
      storageId: info.storageId ?? known.storageId,
      checksum: info.checksum ?? known.checksum,
    };
    return info;
  }

  private setWindow(window: MetricsWindow): void {
    const l = this.loaded!;
    tf.dispose([l.lossSum, l.correctSum]);
    l.lossSum = tf.scalar(window.lossSum);
    l.correctSum = tf.scalar(window.correctSum);
    l.windowImages = window.images;
    l.windowSteps = window.steps;
  }

  /** Frees every tensor of this run (the checkpoint in IndexedDB stays). */
  unload(): void {
    const l = this.loaded;
    if (!l) return;
    this.loaded = null;
    void l.batches?.iterator.return(undefined).catch(() => undefined);
    for (const dispose of [
      () => disposeFusedTrainer(l.slots),
      () => l.net.dispose(),
      () => l.slots.dispose(),
      () => tf.dispose([l.lossSum, l.correctSum]),
    ]) {
      try {
        dispose();
      } catch {
        // A lost device may refuse to free; its memory went with it.
      }
    }
    this.pendingRead = null;
  }

  get finished(): boolean {
    return this.loaded !== null && this.step >= this.totalSteps;
  }

  private async nextBatch(l: Loaded): Promise<TrainerBatch> {
    const epoch = Math.floor(this.step / this.stepsPerEpoch);
    const startBatch = this.step % this.stepsPerEpoch;
    if (!l.batches || l.batches.epoch !== epoch) {
      void l.batches?.iterator.return(undefined).catch(() => undefined);
      l.batches = {
        epoch,
        iterator: this.deps.data.batches(this.config.dataset, {
          split: 'train',
          batchSize: this.config.batchSize,
          seed: this.config.seed,
          epoch,
          shuffle: true,
          startBatch,
          ...(this.config.trainLimit > 0 ? { limit: this.config.trainLimit } : {}),
        }),
      };
    }
    const next = await l.batches.iterator.next();
    if (next.done || next.value.size < this.config.batchSize) {
      throw new Error(`The training data ran out at step ${this.step} of epoch ${epoch}`);
    }
    return next.value;
  }

  /** One training step; with `readLoss`, waits for this step's numbers (for the Step button). */
  async trainOneStep(readLoss = false): Promise<void> {
    const l = this.loaded;
    if (!l) throw new Error('The run is not loaded');
    if (this.finished) return;
    if (this.startedAt !== null && !this.firstStepAnnounced) {
      this.firstStepAnnounced = true;
      this.phase('firstStep');
    }
    const batch = await this.nextBatch(l);
    if (this.loaded !== l) return; // unloaded meanwhile (device lost)
    const { info, net, slots } = l;
    const lr = this.currentLr();
    const augment = this.config.augment
      ? {
          ...drawAugmentation(
            createRng(mixSeed(this.config.seed, this.step, 0xa06)),
            batch.size,
            CROP_PAD,
          ),
          // Runs stored before the option existed padded with zeros.
          fill: padFill(this.config.padFill ?? 'zero', info.mean),
        }
      : null;
    const raw = imagesToTensor(batch.images, batch.size, info.height, info.width, info.channels);
    const labels = tf.tensor1d(batch.labels.subarray(0, batch.size), 'int32');
    const x = augmentAndNormalize(raw, augment, info.mean, info.std);
    let out: { loss: tf.Scalar; correct: tf.Scalar } | null = null;
    try {
      // On WebGPU the fused step (src/train/fused: one dispatch per BN [+ add] [+ ReLU] each
      // way, one for the whole optimizer); elsewhere, as its reference, and for what the fused
      // kernels do not do (ghost BN: stepChoice.ts), the tfjs step.
      const choice = chooseStep(this.config, tf.getBackend());
      this.stepNote = choice.note;
      // Before its first step, the fused step's pipelines compile in parallel (no-op after).
      if (choice.fused) {
        // Shown as "preparing kernels k/n" while the run's first point is still to come.
        const showing = this.startedAt !== null;
        const report = await prepareFusedTrainStep(
          net,
          slots,
          x,
          labels,
          this.config.sgd,
          showing ? (done, total) => this.phase('preparing', done, total) : undefined,
        );
        if (report && showing) this.phase('firstStep');
      }
      if (this.loaded !== l) return; // unloaded meanwhile (device lost)
      out = choice.fused
        ? fusedTrainStep(net, slots, x, labels, lr, this.config.sgd)
        : trainStep(net, slots, x, labels, lr, this.config.sgd, choice.bnGroups);
      const o = out;
      const prevLoss = l.lossSum;
      const prevCorrect = l.correctSum;
      l.lossSum = tf.tidy(() => prevLoss.add(o.loss.mul(batch.size)));
      l.correctSum = tf.tidy(() => prevCorrect.add(o.correct));
      tf.dispose([prevLoss, prevCorrect]);
      if (readLoss) {
        const [loss, correct] = await Promise.all([o.loss.data(), o.correct.data()]);
        this.live.trainLoss = loss[0]!;
        this.live.trainError = 1 - correct[0]! / batch.size;
        if (!Number.isFinite(loss[0]!)) this.flagNonFinite(this.step + 1, lr);
      }
    } finally {
      tf.dispose([raw, labels, x]);
      if (out) tf.dispose([out.loss, out.correct]);
    }
    l.windowImages += batch.size;
    l.windowSteps += 1;
    this.step += 1;
    if (chooseStep(this.config, tf.getBackend()).fused) {
      // A few layouts timed in the background while shapes are left to tune (kernelTuner.ts).
      const tuner = this.deps.tuner?.();
      if (tuner?.busy) await tuner.betweenSteps();
    }
    if (this.reportsAt(this.step)) {
      // At most one read in flight: it also bounds how far the queued GPU work runs ahead.
      if (this.pendingRead) await this.pendingRead;
      this.flushWindow(l, lr);
    }
    this.refreshLive();
  }

  /**
   * Waits until the device has run every step given so far (and the window's numbers read):
   * a read waits for all the work queued before it.
   */
  async drainGpu(): Promise<void> {
    if (this.pendingRead) await this.pendingRead;
    const l = this.loaded;
    if (l) await l.lossSum.data();
  }

  /** Starts the asynchronous read of the window's sums and resets the window. */
  private flushWindow(l: Loaded, lr: number): void {
    const lossT = l.lossSum;
    const correctT = l.correctSum;
    const images = l.windowImages;
    const step = this.step;
    l.lossSum = tf.scalar(0);
    l.correctSum = tf.scalar(0);
    l.windowImages = 0;
    l.windowSteps = 0;
    this.pendingRead = Promise.all([lossT.data(), correctT.data()])
      .then(([lossSum, correctSum]) => {
        if (this.loaded !== l) return;
        const now = performance.now();
        const seconds = (now - this.lastReadAt) / 1000;
        this.lastReadAt = now;
        const loss = lossSum[0]! / images;
        const point: TrainPoint = {
          step,
          epoch: step / this.stepsPerEpoch,
          loss,
          error: 1 - correctSum[0]! / images,
          lr,
          imagesPerSecond: seconds > 0 ? images / seconds : 0,
        };
        this.history.train.push(point);
        if (this.startedAt !== null) {
          this.phase('training');
          this.startedAt = null;
        }
        this.live.trainLoss = point.loss;
        this.live.trainError = point.error;
        this.live.imagesPerSecond = point.imagesPerSecond;
        this.refreshLive();
        if (!Number.isFinite(loss)) this.flagNonFinite(step, lr);
        this.deps.hooks.onTrainPoint(this, point);
      })
      .finally(() => tf.dispose([lossT, correctT]));
    // After a device loss nobody may wait for this read (the run was unloaded): its failure is
    // the loss's, which the runner handles, not an unhandled rejection.
    this.pendingRead.catch(() => undefined);
  }

  private flagNonFinite(step: number, lr: number): void {
    // Where the run goes back to is said by the runner once it has rolled back.
    this.fault ??= {
      kind: 'nonFinite',
      message:
        `The loss became infinite or NaN by step ${step} at learning rate ${formatLr(lr)}: ` +
        `training diverged. Lower the learning rate (try ${formatLr(lr / 10)}) and resume;`,
    };
  }

  private refreshLive(): void {
    const total = this.totalSteps;
    const ips = this.live.imagesPerSecond;
    this.live.step = this.step;
    this.live.totalSteps = total;
    this.live.epoch = this.stepsPerEpoch > 0 ? this.step / this.stepsPerEpoch : 0;
    this.live.lr = total > 0 ? this.currentLr() : this.config.schedule.base;
    this.live.secondsLeft =
      ips > 0 && total > 0 ? ((total - this.step) * this.config.batchSize) / ips : null;
  }

  /** Whether the step just taken ends an epoch, or is due for an evaluation. */
  dueForEvaluation(): boolean {
    if (!this.loaded || this.step === 0) return false;
    if (this.step % this.stepsPerEpoch === 0) return true;
    const every = this.config.evalEverySteps;
    return every > 0 && this.step % every === 0;
  }

  endsEpoch(): boolean {
    return this.loaded !== null && this.step > 0 && this.step % this.stepsPerEpoch === 0;
  }

  /** Counts the time since the previous step as training time (gaps excepted). */
  countTrainingTime(now: number = performance.now()): void {
    if (this.lastStepAt > 0) this.trainingMs += Math.min(now - this.lastStepAt, MAX_STEP_GAP_MS);
    this.lastStepAt = now;
  }

  /** Forgets the step timer (paused: the time until the next step is not training). */
  stopTrainingClock(): void {
    this.lastStepAt = 0;
  }

  dueForTimedCheckpoint(): boolean {
    const every = Math.min(this.config.checkpointEveryMinutes * 60_000, CHECKPOINT_EVERY_MS);
    const due = this.checkpointStep === null ? Math.min(every, FIRST_CHECKPOINT_MS) : every;
    return this.checkpointWanted || this.trainingMs >= due;
  }

  /**
   * Test loss and error with BN in inference mode, on all (or `testLimit`) test images, with
   * the pass's per-class insight (confusion matrix, grid predictions) from its own predictions.
   * `measure` is the insight benchmark's: a pass that leaves the history alone, with or
   * without the insight.
   */
  async evaluate(measure?: { insight: boolean }): Promise<TestPoint> {
    const l = this.loaded;
    if (!l) throw new Error('The run is not loaded');
    const started = performance.now();
    const { info, net } = l;
    const record = measure === undefined;
    const insights =
      measure?.insight === false
        ? null
        : new PassInsights(
            info.classes,
            { height: info.height, width: info.width, channels: info.channels },
            info.labelNames,
            record && this.history.grid === undefined,
          );
    let lossSum = tf.scalar(0);
    let correctSum = tf.scalar(0);
    let images = 0;
    const iterator = this.deps.data.batches(this.config.dataset, {
      split: 'test',
      batchSize: Math.max(this.config.batchSize, 64),
      seed: this.config.seed,
      epoch: 0,
      shuffle: false,
      ...(this.config.testLimit > 0 ? { limit: this.config.testLimit } : {}),
    });
    try {
      for await (const batch of iterator) {
        if (this.loaded !== l) break;
        const raw = imagesToTensor(
          batch.images,
          batch.size,
          info.height,
          info.width,
          info.channels,
        );
        const labels = tf.tensor1d(batch.labels.subarray(0, batch.size), 'int32');
        const x = augmentAndNormalize(raw, null, info.mean, info.std);
        // WebGPU: our convolutions (src/train/fused/conv.ts), as in the fused training step.
        const out = (tf.getBackend() === 'webgpu' ? fusedEvalBatch : evalBatch)(net, x, labels);
        const nextLoss = lossSum.add(out.lossSum) as tf.Scalar;
        const nextCorrect = correctSum.add(out.correct) as tf.Scalar;
        tf.dispose([raw, labels, x, out.lossSum, out.correct, lossSum, correctSum]);
        if (insights) insights.addBatch(batch, out.predictions);
        else out.predictions.dispose();
        lossSum = nextLoss;
        correctSum = nextCorrect;
        images += batch.size;
      }
      // The predictions' concat is queued first, so the three reads wait on the GPU together.
      const [perClass, loss, correct] = await Promise.all([
        insights?.finish() ?? null,
        lossSum.data(),
        correctSum.data(),
      ]);
      const point: TestPoint = {
        step: this.step,
        epoch: this.step / this.stepsPerEpoch,
        loss: images > 0 ? loss[0]! / images : NaN,
        error: images > 0 ? 1 - correct[0]! / images : NaN,
      };
      if (perClass && images > 0) point.insight = perClass.insight;
      this.lastPassTiming = { ms: performance.now() - started, insightCpuMs: perClass?.cpuMs ?? 0 };
      if (record && this.loaded === l) {
        const grid = perClass?.grid ?? null;
        if (grid && images > 0) this.history.grid = grid;
        this.history.test.push(point);
        this.live.testError = point.error;
        if (!Number.isFinite(point.loss)) this.flagNonFinite(this.step, this.currentLr());
        this.deps.hooks.onTestPoint(this, point, grid ?? undefined);
      }
      return point;
    } finally {
      insights?.dispose();
      tf.dispose([lossSum, correctSum]);
    }
  }

  /** The status as stored: a pause is stored with the checkpoint that completes it. */
  storedStatus(): StoredRunStatus {
    return this.status === 'pausing' ? 'running' : this.status;
  }

  record(status: StoredRunStatus = this.storedStatus()): RunRecord {
    return {
      schemaVersion: RUN_RECORD_VERSION,
      id: this.id,
      config: this.config,
      dataset: { ...this.dataset },
      status,
      message: this.message,
      live: { ...this.live },
      history: this.history,
      checkpointStep: this.checkpointStep,
      lrOverride: this.lrOverride,
      createdAt: this.createdAt,
      updatedAt: Date.now(),
    };
  }

  /** Saves the run record alone (status changes), after any checkpoint being written. */
  async saveRecord(status: StoredRunStatus = this.storedStatus()): Promise<void> {
    const write = this.writes.then(() => this.storeRecord(status));
    this.writes = write.catch(() => undefined);
    await write;
  }

  private async storeRecord(status: StoredRunStatus): Promise<void> {
    const record = this.record(status);
    try {
      await saveRun(this.deps.db, record, null);
    } catch (error) {
      throw new CheckpointWriteError(
        describeWriteFailure(
          error,
          `the record of run "${this.config.name}"`,
          await estimateSpace(),
        ),
      );
    }
  }

  /**
   * After a checkpoint could not be stored: the stored record stops saying "running" and says
   * paused, with the run's message, at its last stored checkpoint (what a reload resumes). The
   * record is small, so this usually fits where the checkpoint did not; if it fails too, the
   * record stays "running" and the next page load marks it interrupted.
   */
  recordStoragePause(): Promise<void> {
    const message = this.message ?? 'A checkpoint could not be stored.';
    const write = this.writes.then(() => markStoredRunPaused(this.deps.db, this.id, message));
    this.writes = write.catch(() => undefined);
    return write.then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * Saves a checkpoint of the current state, with the record stored as `status`, in one
   * transaction, and resolves once it is committed. Throws CheckpointWriteError when it cannot
   * be stored (no space, a failed transaction); the previous checkpoint then stays.
   */
  async checkpoint(status: StoredRunStatus = this.storedStatus()): Promise<void> {
    const snapshot = this.snapshot();
    if (!snapshot) {
      await this.saveRecord(status);
      return;
    }
    await this.store(snapshot, status);
  }

  /**
   * Starts a checkpoint and returns at once: the state is copied on the device now (between
   * two steps, so it is one step's state), read back and stored while training goes on.
   */
  checkpointInBackground(onFailure: (error: CheckpointWriteError) => void): void {
    const snapshot = this.snapshot();
    if (!snapshot) return;
    this.store(snapshot, null).catch((error: unknown) => {
      // Only storage failures concern the caller; a failed read-back (a lost device) shows in
      // the next step, where the runner recovers from it.
      if (error instanceof CheckpointWriteError) onFailure(error);
    });
  }

  /** Copies every variable and the metrics window on the device (no read-back). */
  private snapshot(): Snapshot | null {
    const l = this.loaded;
    if (!l) return null;
    this.checkpointWanted = false;
    this.trainingMs = 0;
    const copy = (vars: NamedVariable[]) => vars.map((v) => checkpointCopy(v.variable));
    return {
      loaded: l,
      step: this.step,
      weights: copy(l.net.trainable),
      running: copy(l.net.nonTrainable),
      momentum: copy(l.slots.velocities),
      lossSum: tf.clone(l.lossSum),
      correctSum: tf.clone(l.correctSum),
      windowImages: l.windowImages,
      windowSteps: l.windowSteps,
      lrOverride: this.lrOverride,
      pendingRead: this.pendingRead,
    };
  }

  /** Reads a snapshot back and stores it (status null: the run's status when it is written). */
  private store(snapshot: Snapshot, status: StoredRunStatus | null): Promise<void> {
    const write = this.writes.then(() => this.storeNow(snapshot, status));
    this.writes = write.catch(() => undefined);
    return write;
  }

  private async storeNow(s: Snapshot, status: StoredRunStatus | null): Promise<void> {
    const l = this.loaded;
    let values: Float32Array[][];
    let windowSums: [number, number];
    try {
      await s.pendingRead?.catch(() => undefined);
      const read = (ts: tf.Tensor[]) =>
        Promise.all(ts.map((t) => t.data() as Promise<Float32Array>));
      const [weights, running, momentum, lossSum, correctSum] = await Promise.all([
        read(s.weights),
        read(s.running),
        read(s.momentum),
        s.lossSum.data(),
        s.correctSum.data(),
      ]);
      values = [weights, running, momentum];
      windowSums = [lossSum[0]!, correctSum[0]!];
    } finally {
      try {
        tf.dispose([...s.weights, ...s.running, ...s.momentum, s.lossSum, s.correctSum]);
      } catch {
        // A lost device may refuse to free; its memory went with it.
      }
    }
    // A diverged state is not stored: the rollback goes to the checkpoint before it.
    if (this.fault) return;
    // Unloaded or reloaded meanwhile (a device loss, a rollback): this state is gone.
    if (l !== s.loaded || this.loaded !== s.loaded) return;
    const named = (vars: NamedVariable[], vs: Float32Array[]): StoredTensor[] =>
      vars.map((v, i) => ({ name: v.name, shape: [...v.variable.shape], values: vs[i]! }));
    const history = {
      train: this.history.train.filter((p) => p.step <= s.step),
      test: this.history.test.filter((p) => p.step <= s.step),
      // The insight grid (#18) is fixed for the run: kept whole.
      ...(this.history.grid ? { grid: this.history.grid } : {}),
    };
    const checkpoint: CheckpointRecord = {
      schemaVersion: RUN_RECORD_VERSION,
      runId: this.id,
      step: s.step,
      weights: named(s.loaded.net.trainable, values[0]!),
      running: named(s.loaded.net.nonTrainable, values[1]!),
      momentum: named(s.loaded.slots.velocities, values[2]!),
      lrOverride: s.lrOverride,
      rng: { seed: this.config.seed, step: s.step },
      window: {
        lossSum: windowSums[0],
        correctSum: windowSums[1],
        images: s.windowImages,
        steps: s.windowSteps,
      },
      backend: this.backend ?? 'unknown',
      savedAt: Date.now(),
      history: structuredClone(history),
    };
    const what = `the checkpoint of run "${this.config.name}" at step ${s.step}`;
    const bytes = checkpointBytes(checkpoint);
    const problem = await checkSpace(bytes, what, { probe: true });
    if (problem) {
      throw new CheckpointWriteError(
        `${problem} ${this.keptCheckpoint()} Free disk space or delete a dataset or run, then resume.`,
      );
    }
    const record: RunRecord = {
      ...this.record(status ?? this.storedStatus()),
      history,
      checkpointStep: s.step,
      lrOverride: s.lrOverride,
      live: { ...this.live, step: s.step },
    };
    try {
      await saveRun(this.deps.db, record, checkpoint);
    } catch (error) {
      throw new CheckpointWriteError(
        `${describeWriteFailure(error, what, await estimateSpace())} ${this.keptCheckpoint()}`,
      );
    }
    if (this.checkpointStep === null || s.step >= this.checkpointStep) this.checkpointStep = s.step;
    this.deps.hooks.onCheckpoint?.(this);
  }

  private keptCheckpoint(): string {
    return this.checkpointStep === null
      ? 'The run has no stored checkpoint yet.'
      : `Its last stored checkpoint (step ${this.checkpointStep}) is intact.`;
  }
}

/**
 * A copy of a variable for a checkpoint, in buffers of its own. On WebGPU not `tf.clone`: that
 * shares the variable's buffer, which the fused step writes in place, and the steps go on
 * before a background checkpoint is read back; it saved a later step's weights, momentum and
 * running averages under the snapshot's step (docs/training.md, exact resume).
 */
export function checkpointCopy<R extends tf.Rank>(t: tf.Tensor<R>): tf.Tensor<R> {
  return tf.getBackend() === 'webgpu' ? copyOnDevice(t) : tf.clone(t);
}

/** About how many bytes a checkpoint takes in IndexedDB (its tensors, plus the history). */
export function checkpointBytes(c: CheckpointRecord): number {
  const tensors = [...c.weights, ...c.running, ...c.momentum];
  const values = tensors.reduce((sum, t) => sum + t.values.byteLength + 64, 0);
  return values + (c.history.train.length + c.history.test.length) * 96 + 4096;
}

function formatLr(lr: number): string {
  return Number(lr.toPrecision(2)).toString();
}

function restoreInto(vars: NamedVariable[], stored: StoredTensor[]): void {
  if (stored.length !== vars.length) {
    throw new Error(
      `The checkpoint holds ${stored.length} tensors where the network has ${vars.length}`,
    );
  }
  vars.forEach((v, i) => {
    const s = stored[i]!;
    if (s.name !== v.name || s.shape.join('x') !== v.variable.shape.join('x')) {
      throw new Error(
        `The checkpoint's ${s.name} [${s.shape}] does not fit ${v.name} [${v.variable.shape}]`,
      );
    }
    tf.tidy(() => v.variable.assign(tf.tensor(s.values, s.shape)));
  });
}
