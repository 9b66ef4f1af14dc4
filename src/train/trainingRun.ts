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
  RunConfig,
  RunHistory,
  RunLive,
  RunStatus,
  RunSummary,
  StartPhase,
  TestPoint,
  TrainPoint,
} from '../protocol/training';
import { augmentAndNormalize, drawAugmentation, imagesToTensor } from './augment';
import {
  saveRun,
  type CheckpointRecord,
  type MetricsWindow,
  type RunRecord,
  type RunsDb,
  type StoredTensor,
} from '../storage/checkpoint';
import type { DataInfo, DataSource, TrainerBatch } from './data';
import { createRng, mixSeed } from '../model/random';
import { learningRateAt, type LrOverride } from './schedule';
import { disposeFusedTrainer, fusedEvalBatch, fusedTrainStep } from './fused/step';
import { createOptimizerSlots, evalBatch, trainStep, type OptimizerSlots } from './step';

/**
 * Steps between two asynchronous reads of the running loss (one train point each), unless the
 * run's config says otherwise (`reportEverySteps`). Step 1 always gets a point of its own, so
 * the chart has something to show as soon as the run has learnt anything.
 */
export const REPORT_EVERY = 5;
/** Pixels of zero padding before the random crop (Section 4.2). */
export const CROP_PAD = 4;

export type NetworkFactory = (spec: NetworkSpec, seed: number) => BuiltNetwork;

export interface RunHooks {
  onTrainPoint(run: TrainingRun, point: TrainPoint): void;
  onTestPoint(run: TrainingRun, point: TestPoint): void;
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

/** A fault found by an asynchronous read; the runner acts on it between steps. */
export interface RunFault {
  kind: 'nonFinite';
  message: string;
}

export class TrainingRun {
  status: RunStatus;
  message: string | null;
  backend: BackendName | null = null;
  /** Steps done. */
  step = 0;
  history: RunHistory = { train: [], test: [] };
  lrOverride: LrOverride | null = null;
  checkpointStep: number | null;
  fault: RunFault | null = null;
  createdAt: number;
  live: RunLive;

  private loaded: Loaded | null = null;
  private stepsPerEpoch = 0;
  private pendingRead: Promise<void> | null = null;
  private lastReadAt = 0;
  private lastCheckpointAt = Date.now();
  private chain: Promise<unknown> = Promise.resolve();
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
    },
    stored?: RunRecord,
  ) {
    this.status = stored?.status ?? 'queued';
    this.message = stored?.message ?? null;
    this.history = stored?.history ?? { train: [], test: [] };
    this.checkpointStep = stored?.checkpointStep ?? null;
    this.createdAt = stored?.createdAt ?? Date.now();
    this.step = stored?.live.step ?? 0;
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
    const info = await this.deps.data.info(this.config.dataset);
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
    if (checkpoint) {
      restoreInto(net.trainable, checkpoint.weights);
      restoreInto(net.nonTrainable, checkpoint.running);
      restoreInto(slots.velocities, checkpoint.momentum);
      this.step = checkpoint.step;
      this.lrOverride = checkpoint.lrOverride;
      this.history = structuredClone(checkpoint.history);
      this.setWindow(checkpoint.window);
      this.checkpointStep = checkpoint.step;
    } else {
      this.step = 0;
      this.lrOverride = null;
      this.history = { train: [], test: [] };
    }
    this.fault = null;
    if (this.deps.prepare && this.backend === 'webgpu') {
      this.phase('preparing', 0, 0);
      await this.deps.prepare(net, this.config.batchSize, (done, total) =>
        this.phase('preparing', done, total),
      );
    }
    this.lastReadAt = performance.now();
    this.lastCheckpointAt = Date.now();
    this.refreshLive();
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
      ? drawAugmentation(
          createRng(mixSeed(this.config.seed, this.step, 0xa06)),
          batch.size,
          CROP_PAD,
        )
      : null;
    const raw = imagesToTensor(batch.images, batch.size, info.height, info.width, info.channels);
    const labels = tf.tensor1d(batch.labels.subarray(0, batch.size), 'int32');
    const x = augmentAndNormalize(raw, augment, info.mean, info.std);
    let out: { loss: tf.Scalar; correct: tf.Scalar } | null = null;
    try {
      // On WebGPU the fused step (src/train/fused: one dispatch per BN [+ add] [+ ReLU] each
      // way, one for the whole optimizer); elsewhere, and as its reference, the tfjs step.
      const step = tf.getBackend() === 'webgpu' ? fusedTrainStep : trainStep;
      out = step(net, slots, x, labels, lr, this.config.sgd);
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
  }

  private flagNonFinite(step: number, lr: number): void {
    this.fault ??= {
      kind: 'nonFinite',
      message:
        `The loss became infinite or NaN by step ${step} at learning rate ${lr}: training ` +
        `diverged. Lower the learning rate (try ${formatLr(lr / 10)}) and resume; the run was ` +
        `rolled back to its last checkpoint.`,
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

  dueForTimedCheckpoint(): boolean {
    return Date.now() - this.lastCheckpointAt >= this.config.checkpointEveryMinutes * 60_000;
  }

  /** Test loss and error with BN in inference mode, on all (or `testLimit`) test images. */
  async evaluate(): Promise<TestPoint> {
    const l = this.loaded;
    if (!l) throw new Error('The run is not loaded');
    const { info, net } = l;
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
        lossSum = nextLoss;
        correctSum = nextCorrect;
        images += batch.size;
      }
      const [loss, correct] = await Promise.all([lossSum.data(), correctSum.data()]);
      const point: TestPoint = {
        step: this.step,
        epoch: this.step / this.stepsPerEpoch,
        loss: images > 0 ? loss[0]! / images : NaN,
        error: images > 0 ? 1 - correct[0]! / images : NaN,
      };
      if (this.loaded === l) {
        this.history.test.push(point);
        this.live.testError = point.error;
        if (!Number.isFinite(point.loss)) this.flagNonFinite(this.step, this.currentLr());
        this.deps.hooks.onTestPoint(this, point);
      }
      return point;
    } finally {
      tf.dispose([lossSum, correctSum]);
    }
  }

  record(): RunRecord {
    return {
      id: this.id,
      config: this.config,
      status: this.status,
      message: this.message,
      live: { ...this.live },
      history: this.history,
      checkpointStep: this.checkpointStep,
      createdAt: this.createdAt,
      updatedAt: Date.now(),
    };
  }

  /** Saves the run record alone (status changes). */
  async saveRecord(): Promise<void> {
    await saveRun(this.deps.db, this.record(), null);
  }

  /** Saves a checkpoint of the current state, with the record, in one transaction. */
  async checkpoint(): Promise<void> {
    const l = this.loaded;
    if (!l) {
      await this.saveRecord();
      return;
    }
    if (this.pendingRead) await this.pendingRead;
    if (this.loaded !== l) return;
    const [weights, running, momentum, lossSum, correctSum] = await Promise.all([
      readAll(l.net.trainable),
      readAll(l.net.nonTrainable),
      readAll(l.slots.velocities),
      l.lossSum.data(),
      l.correctSum.data(),
    ]);
    if (this.loaded !== l) return;
    const checkpoint: CheckpointRecord = {
      runId: this.id,
      step: this.step,
      weights,
      running,
      momentum,
      lrOverride: this.lrOverride,
      rng: { seed: this.config.seed, step: this.step },
      window: {
        lossSum: lossSum[0]!,
        correctSum: correctSum[0]!,
        images: l.windowImages,
        steps: l.windowSteps,
      },
      backend: this.backend ?? 'unknown',
      savedAt: Date.now(),
      history: structuredClone(this.history),
    };
    this.checkpointStep = this.step;
    await saveRun(this.deps.db, this.record(), checkpoint);
    this.lastCheckpointAt = Date.now();
    this.deps.hooks.onCheckpoint?.(this);
  }
}

function formatLr(lr: number): string {
  return Number(lr.toPrecision(2)).toString();
}

async function readAll(vars: NamedVariable[]): Promise<StoredTensor[]> {
  const values = await Promise.all(vars.map((v) => v.variable.data()));
  return vars.map((v, i) => ({
    name: v.name,
    shape: [...v.variable.shape],
    values: values[i] as Float32Array,
  }));
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
