/**
 * A training run as the app knows it: its configuration (Section 4.2's recipe), status, live
 * numbers and history. The training worker's protocol carries these; the runs database stores
 * them inside its own records (storage/checkpoint.ts).
 */
import type { BackendName } from './backend';
import type { DecayRule, PadFill } from './recipe';
import type { NetworkSpec } from './spec';

/**
 * The id prefix of a PyTorch run imported into the page (export/importedRun.ts): it lives only
 * in the page, and the training worker knows nothing of it.
 */
export const IMPORTED_RUN_PREFIX = 'pytorch-import-';

/** Section 4.2's learning-rate schedule: `base`, times `factor` at each milestone. */
export interface LrSchedule {
  /** Learning rate at the start (paper: 0.1). */
  base: number;
  /** Multiplier applied at each milestone (paper: 0.1, i.e. divided by 10). */
  factor: number;
  /** Fractions of the planned steps where the rate drops (paper: 0.5, 0.75, 0.875). */
  milestones: number[];
}

/** SGD as in Section 4.2. */
export interface SgdConfig {
  /** Paper: 0.9. */
  momentum: number;
  /** Paper: 1e-4. */
  weightDecay: number;
  /** Paper: true. */
  nesterov: boolean;
  /**
   * Which parameters decay (./recipe.ts); default 'all' (the authors' code). Absent in runs
   * stored before the option existed: those trained, and resume, with 'weights-gamma'.
   */
  decay?: DecayRule;
}

/** Everything that defines a training run; with the same backend, the same config trains alike. */
export interface RunConfig {
  /** A label for people. */
  name: string;
  spec: NetworkSpec;
  /** The dataset's name in the dataset store (src/data). */
  dataset: string;
  /** Seeds the weights, the batch order and the augmentation. */
  seed: number;
  epochs: number;
  batchSize: number;
  schedule: LrSchedule;
  sgd: SgdConfig;
  /** Pad 4, random crop, random flip (off for SVHN, as the paper). */
  augment: boolean;
  /**
   * The padding's colour: 'zero' (black, the paper's "zero padding"; also what runs stored
   * without the field used) or 'mean' (each channel's rounded training-set mean, the fill
   * values the authors' train_model.py passes).
   */
  padFill?: PadFill;
  /**
   * Ghost batch norm: BN statistics over groups of this many images of a batch (the paper's
   * batch of 64 ran on two GPUs, so 32). 0 or absent: the whole batch.
   */
  bnBatch?: number;
  /** Evaluate on the test set every N steps as well as at each epoch's end (0: epoch ends only). */
  evalEverySteps: number;
  /** Evaluate on the first N test images (0: all of them). */
  testLimit: number;
  /** Train on the first N training images of each epoch's order (0: all of them). */
  trainLimit: number;
  /** Checkpoint every N minutes while running (also at each epoch's end and on pause). */
  checkpointEveryMinutes: number;
  /**
   * A loss point after step 1 and then every N steps (default 5): the UI picks N from the
   * device's estimated step time, so that a slow device still draws a point every few seconds.
   */
  reportEverySteps?: number;
}

/**
 * How a run gets to its first loss point: reading the dataset and building the network
 * (loading), compiling kernels and pipelines (preparing, `done` of `total`), its first step,
 * then training (the first loss point is read).
 */
export type StartPhase = 'loading' | 'preparing' | 'firstStep' | 'training';

export interface RunProgress {
  runId: string;
  phase: StartPhase;
  /** preparing: kernels ready so far, of `total` (0 and 0 elsewhere). */
  done: number;
  total: number;
  /** Seconds since the run began loading. */
  elapsedSeconds: number;
}

/**
 * queued: waits for its turn (queue mode); running; pausing (no more steps; its checkpoint is
 * being written); paused (by the user, a reload, a fault, a full disk: see `message`; its
 * checkpoint is committed); stopped (by the user, final); finished (all epochs); failed (cannot
 * go on).
 */
export type RunStatus =
  'queued' | 'running' | 'pausing' | 'paused' | 'stopped' | 'finished' | 'failed';

/** Training numbers averaged over the steps since the previous point. */
export interface TrainPoint {
  step: number;
  /** Fractional epoch (step / steps per epoch). */
  epoch: number;
  loss: number;
  /** Fraction of misclassified training images (0..1), with augmentation. */
  error: number;
  lr: number;
  imagesPerSecond: number;
}

/** One evaluation on the test set (BN in inference mode). */
export interface TestPoint {
  step: number;
  epoch: number;
  loss: number;
  /** Fraction of misclassified test images (0..1). */
  error: number;
  /** What this pass got right and wrong per class (absent in runs from before #18). */
  insight?: TestInsight;
}

/**
 * Per-class results of one test pass, from the predictions the pass already makes (no second
 * pass): compact arrays, sent with the test point and stored with the run's history.
 */
export interface TestInsight {
  /** classes x classes counts, row-major: row = true class, column = predicted class. */
  confusion: Uint32Array;
  /** The predicted class of each image of the run's `grid`, in grid order. */
  gridPredictions: Uint16Array;
}

/**
 * The fixed grid of test images whose predictions are shown: the first few of each class in
 * the test split's stored order (src/model/insights.ts `GridPicker`), the same for every run
 * on that dataset and every pass. Kept with the run so its grid shows without the dataset.
 */
export interface InsightGrid {
  /** Indices in the test split. */
  indices: Uint32Array;
  /** True class of each image. */
  labels: Uint16Array;
  /** NHWC bytes, 0..255, `height x width x channels` per image. */
  pixels: Uint8Array;
  height: number;
  width: number;
  channels: number;
  /** The dataset's class names in label order (the matrix's rows and columns). */
  classNames: string[];
}

/** A run's latest numbers, for the live read-out. */
export interface RunLive {
  /** Steps done. */
  step: number;
  totalSteps: number;
  epoch: number;
  lr: number;
  imagesPerSecond: number;
  trainLoss: number | null;
  trainError: number | null;
  testError: number | null;
  /** Estimated from the recent pace; null until known. */
  secondsLeft: number | null;
}

export interface RunSummary {
  id: string;
  config: RunConfig;
  status: RunStatus;
  /** Why it is paused or failed, for a person (null when there is nothing to say). */
  message: string | null;
  /** The backend its steps run on. */
  backend: BackendName | null;
  /** Why its steps are not the backend's usual ones (e.g. ghost BN off the fused step). */
  stepNote?: string | null;
  live: RunLive;
  /** The step of the last checkpoint in IndexedDB (null before the first). */
  checkpointStep: number | null;
}

export interface RunHistory {
  train: TrainPoint[];
  test: TestPoint[];
  /** The test images whose predictions each test point's `insight` holds (after a first pass). */
  grid?: InsightGrid;
}

export interface RunMetricsUpdate {
  runId: string;
  live: RunLive;
  /** Points since the previous update, to append. */
  train: TrainPoint[];
  test: TestPoint[];
  /** The run's insight grid, with the first test pass that made it. */
  grid?: InsightGrid;
}
