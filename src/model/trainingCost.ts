/**
 * What a training run costs on this device, before it starts: seconds per step, per epoch and
 * to the first chart point, for a network, a batch and a dataset.
 *
 * The cost model is deliberately small, so that a few measurements pin it down (see
 * `DeviceCalibration`): a step costs per multiply-add (a training step is about three forward
 * passes: forward, input gradient, filter gradient) plus per conv layer (dispatches, BN,
 * bookkeeping, whatever the batch); before the first point come loading, kernel preparation per
 * distinct conv shape, and the first step's one-off costs per conv layer.
 *
 * The worker measures the device at start-up (src/train/calibrate.ts: the tiny network at two
 * batches); every run refines the numbers with its real start and step times (`refineStart`,
 * `refineCalibration`), and the page keeps them per adapter (state/deviceCostStore.ts).
 * Pure: no DOM, no tfjs.
 */
import { convBnLayers, planNetwork } from './plan';
import type { NetworkSpec } from './spec';

/**
 * Per conv layer and step, work that does not scale with the batch (dispatches, BN, ReLU), as
 * multiply-adds: only for `stepWork`, the device-independent size of a step.
 */
export const LAYER_OVERHEAD_MACS = 4e6;

/**
 * Output channels a conv kernel computes side by side at no extra time: a layer with fewer
 * costs as much as one with LANES. Measured on the development machine's software adapter
 * (30 Nov, e2e/estimateTable.bench.spec.ts): DMRNet L=12 (16-64 channels) took 4.1 times the tiny
 * network's step (8-32 channels) at batch 64, for 8.5 times its multiply-adds; counting
 * narrow layers up to LANES gives 4.0. On a wide network (64 channels and more) it is plain
 * multiply-adds.
 */
export const LANES = 64;

/** What one training step of a network costs, counted from its plan. */
export interface NetworkCostFeatures {
  /** Multiply-adds of one forward pass of one image (convolutions and FC). */
  forwardMacsPerImage: number;
  /**
   * The same, with each conv layer narrower than LANES output channels counted as if it had
   * LANES: what a step's time follows (`stepSeconds`), see LANES.
   */
  laneMacsPerImage: number;
  /** Conv-BN layers (stems, branches, projections). */
  convLayers: number;
  /** Distinct conv shapes (kernel, stride, channels, size): each compiles its own kernels. */
  distinctConvShapes: number;
}

export function costFeatures(spec: NetworkSpec): NetworkCostFeatures {
  const plan = planNetwork(spec);
  const layers = convBnLayers(plan);
  let macs = 0;
  let laneMacs = 0;
  const shapes = new Set<string>();
  for (const l of layers) {
    const m =
      l.outSize.height * l.outSize.width * l.outChannels * l.inChannels * l.kernel * l.kernel;
    macs += m;
    laneMacs += (m * LANES) / Math.min(l.outChannels, LANES);
    shapes.add(
      [l.kernel, l.stride, l.inChannels, l.outChannels, l.inSize.height, l.inSize.width].join(),
    );
  }
  for (const fc of plan.classifiers) {
    macs += fc.inFeatures * fc.classes;
    laneMacs += fc.inFeatures * fc.classes;
  }
  return {
    forwardMacsPerImage: macs,
    laneMacsPerImage: laneMacs,
    convLayers: layers.length,
    distinctConvShapes: shapes.size,
  };
}

/**
 * The work of one training step in multiply-adds, overhead included: a device-independent size
 * (the plotted steps, `reportEveryFor`, come from it); seconds come from `stepSeconds`.
 */
export function stepWork(f: NetworkCostFeatures, batch: number): number {
  return 3 * f.forwardMacsPerImage * batch + LAYER_OVERHEAD_MACS * f.convLayers;
}

/** Seconds of evaluating `images` test images (forward only, batches of at least 64). */
export function evalSeconds(
  c: DeviceCalibration,
  f: NetworkCostFeatures,
  images: number,
  batch: number,
): number {
  const batches = Math.ceil(images / Math.max(batch, 64));
  // A forward pass is about a third of a training step, per image and per layer.
  return (
    c.secondsPerMultiplyAdd * f.laneMacsPerImage * images +
    (c.secondsPerLayer / 3) * f.convLayers * batches
  );
}

/**
 * One configuration's measured step time: the multiply-adds and conv layers of its step, and an
 * average of its measured seconds (in log space: ratios, not differences, are what an estimate
 * gets wrong). The fit below uses every configuration kept, newest first.
 */
export interface StepSample {
  /** 3 x forward multiply-adds (narrow layers counted up to LANES) x batch. */
  macs: number;
  convLayers: number;
  seconds: number;
  /** Measurements averaged into `seconds`. */
  count: number;
  /** Measured by a real run (data, augmentation, pacing: what an estimate is for). */
  run: boolean;
}

/**
 * This device's speed in the model's terms:
 *
 *   step seconds        = secondsPerMultiplyAdd x 3 x forward multiply-adds x batch
 *                         + secondsPerLayer x conv layers
 *   before the 1st point = loadSeconds + secondsPerShape x distinct conv shapes
 *                         + firstStepSecondsPerLayer x conv layers + one step + POINT_SECONDS
 *
 * Two per-step terms, because a software adapter's step is not just its arithmetic: every conv
 * layer's dispatches, BN and bookkeeping cost time whatever the batch (the tiny network's
 * steps are mostly that). They are fitted to steps of more than one size (`fitStepCost`).
 */
export interface DeviceCalibration {
  secondsPerMultiplyAdd: number;
  secondsPerLayer: number;
  /** Compilation and pipeline preparation per distinct conv shape, paid before the first step. */
  secondsPerShape: number;
  /** The first step's one-off costs (buffers, bind groups, tfjs programs) per conv layer. */
  firstStepSecondsPerLayer: number;
  /** From Start to the network built and the data read (before any kernel is prepared). */
  loadSeconds: number;
  /** The step configurations measured, newest first (at most MAX_STEP_SAMPLES). */
  steps: StepSample[];
  /** Where the numbers come from: the start-up measurement alone, refined by runs, or stored. */
  source: 'calibration' | 'runs';
  /** Measurements folded in so far (the calibration counts as one). */
  samples: number;
}

/** From the first step's read to the point on the chart: pacing (about 1 s) and a redraw. */
export const POINT_SECONDS = 1;
/** Configurations kept for the fit (newest first): older ones were another load, another day. */
export const MAX_STEP_SAMPLES = 8;
/** The weight of each older configuration in the fit, relative to the next newer one. */
const AGE_WEIGHT = 0.7;
/** The newest measurement's weight in a configuration's average and in the one-off costs. */
const REFINE_WEIGHT = 0.5;

/** What one step's work is made of, in the model's two terms. */
export function stepTerms(
  f: NetworkCostFeatures,
  batch: number,
): { macs: number; convLayers: number } {
  return { macs: 3 * f.laneMacsPerImage * batch, convLayers: f.convLayers };
}

/** Seconds of one training step of `f` at `batch` on this device. */
export function stepSeconds(c: DeviceCalibration, f: NetworkCostFeatures, batch: number): number {
  const t = stepTerms(f, batch);
  // A configuration measured before is its own best estimate: two terms cannot fit every
  // network exactly (wide layers use a software adapter's cores better than narrow ones).
  const seen = c.steps.find((s) => s.macs === t.macs && s.convLayers === t.convLayers);
  if (seen) return seen.seconds;
  return c.secondsPerMultiplyAdd * t.macs + c.secondsPerLayer * t.convLayers;
}

/**
 * The two per-step coefficients that best fit the samples, in relative error (a step of 60 s
 * off by 6 s counts as much as one of 1 s off by 0.1 s), newer samples weighing more. With one
 * configuration only, or when the samples cannot tell the two terms apart (or tell a negative
 * one), the previous coefficients keep their ratio and are scaled together.
 */
export function fitStepCost(
  samples: readonly StepSample[],
  prior: { secondsPerMultiplyAdd: number; secondsPerLayer: number },
): { secondsPerMultiplyAdd: number; secondsPerLayer: number } {
  const shape = fitShape(samples, prior);
  // The calibration's steps run without data, augmentation or the page's pacing, and at
  // another moment's load: once real runs are measured, their level decides (the calibration
  // still gives the shape, the balance of the two terms).
  let sum = 0;
  let weight = 0;
  samples.forEach((s, i) => {
    if (!s.run) return;
    const w = AGE_WEIGHT ** i;
    const predicted = shape.secondsPerMultiplyAdd * s.macs + shape.secondsPerLayer * s.convLayers;
    sum += w * Math.log(s.seconds / predicted);
    weight += w;
  });
  const scale = weight > 0 ? Math.exp(sum / weight) : 1;
  return {
    secondsPerMultiplyAdd: shape.secondsPerMultiplyAdd * scale,
    secondsPerLayer: shape.secondsPerLayer * scale,
  };
}

function fitShape(
  samples: readonly StepSample[],
  prior: { secondsPerMultiplyAdd: number; secondsPerLayer: number },
): { secondsPerMultiplyAdd: number; secondsPerLayer: number } {
  let suu = 0;
  let suv = 0;
  let svv = 0;
  let su = 0;
  let sv = 0;
  samples.forEach((s, i) => {
    const w = AGE_WEIGHT ** i;
    const u = s.macs / s.seconds;
    const v = s.convLayers / s.seconds;
    suu += w * u * u;
    suv += w * u * v;
    svv += w * v * v;
    su += w * u;
    sv += w * v;
  });
  const det = suu * svv - suv * suv;
  // Nearly collinear samples (one configuration, or the same batch-to-layer mix) decide nothing.
  if (samples.length >= 2 && det > 1e-6 * suu * svv) {
    const a = (su * svv - sv * suv) / det;
    const b = (sv * suu - su * suv) / det;
    if (a > 0 && b >= 0) return { secondsPerMultiplyAdd: a, secondsPerLayer: b };
  }
  let sq = 0;
  let sqq = 0;
  samples.forEach((s, i) => {
    const w = AGE_WEIGHT ** i;
    const q =
      (prior.secondsPerMultiplyAdd * s.macs + prior.secondsPerLayer * s.convLayers) / s.seconds;
    sq += w * q;
    sqq += w * q * q;
  });
  const scale = sqq > 0 ? sq / sqq : 1;
  return {
    secondsPerMultiplyAdd: prior.secondsPerMultiplyAdd * scale,
    secondsPerLayer: prior.secondsPerLayer * scale,
  };
}

/** The samples with one more measurement: averaged into its configuration, which moves first. */
export function addStepSample(
  samples: readonly StepSample[],
  observation: StepObservation,
  run = true,
): StepSample[] {
  const t = stepTerms(observation.features, observation.batch);
  const seconds = observation.secondsPerStep;
  const same = samples.find((s) => s.macs === t.macs && s.convLayers === t.convLayers);
  const rest = samples.filter((s) => s !== same);
  let next: StepSample;
  if (same) {
    const w = Math.max(REFINE_WEIGHT, 1 / (same.count + 1));
    next = {
      ...same,
      seconds: Math.exp((1 - w) * Math.log(same.seconds) + w * Math.log(seconds)),
      count: same.count + 1,
      run: same.run || run,
    };
  } else {
    next = { ...t, seconds, count: 1, run };
  }
  return [next, ...rest].slice(0, MAX_STEP_SAMPLES);
}

/** The start-up measurement of the device (src/train/calibrate.ts) and what it gives. */
export interface DeviceMeasurement {
  calibration: DeviceCalibration;
  measured: CalibrationMeasurement;
}

/** One measured step time (from the calibration or a run's train points). */
export interface StepObservation {
  features: NetworkCostFeatures;
  batch: number;
  secondsPerStep: number;
}

/**
 * What the start-up measurement saw: the tiny network's kernel preparation, its first step, and
 * its steady step at two batches (two sizes, so that the per-layer and per-multiply-add costs
 * come apart).
 */
export interface CalibrationMeasurement extends StepObservation {
  /** Kernel preparation before the first step (0 where nothing is prepared ahead). */
  prepareSeconds: number;
  /** The first step after the preparation, one-off costs included. */
  firstStepSeconds: number;
  /** The same network at a smaller batch. */
  small: StepObservation;
}

/** A first guess of the per-layer share, for a single configuration: half the tiny step. */
const LAYER_SHARE_PRIOR = 0.5;

/** The calibration from the start-up measurement. */
export function calibrationFrom(m: CalibrationMeasurement): DeviceCalibration {
  const big = stepTerms(m.features, m.batch);
  const prior = {
    secondsPerMultiplyAdd: ((1 - LAYER_SHARE_PRIOR) * m.secondsPerStep) / big.macs,
    secondsPerLayer: (LAYER_SHARE_PRIOR * m.secondsPerStep) / big.convLayers,
  };
  const steps = [m.small, m].reduce<StepSample[]>(
    (samples, o) => (o.secondsPerStep > 0 ? addStepSample(samples, o, false) : samples),
    [],
  );
  const fit = fitStepCost(steps, prior);
  const step = fit.secondsPerMultiplyAdd * big.macs + fit.secondsPerLayer * big.convLayers;
  return {
    ...fit,
    secondsPerShape: m.prepareSeconds / Math.max(1, m.features.distinctConvShapes),
    firstStepSecondsPerLayer:
      Math.max(0, m.firstStepSeconds - step) / Math.max(1, m.features.convLayers),
    loadSeconds: DEFAULT_LOAD_SECONDS,
    steps,
    source: 'calibration',
    samples: 1,
  };
}

/** Loading before any run measured it: the shipped sample read and a network built. */
export const DEFAULT_LOAD_SECONDS = 1;

/** Folds a run's measured step time into the calibration (and refits the two step terms). */
export function refineCalibration(
  calibration: DeviceCalibration,
  observation: StepObservation,
): DeviceCalibration {
  const s = observation.secondsPerStep;
  if (!(s > 0) || !Number.isFinite(s)) return calibration;
  const steps = addStepSample(calibration.steps, observation);
  return {
    ...calibration,
    ...fitStepCost(steps, calibration),
    steps,
    source: 'runs',
    samples: calibration.samples + 1,
  };
}

/** A run's start, as its phases measured it (seconds since Start; null when not seen). */
export interface StartObservation {
  features: NetworkCostFeatures;
  batch: number;
  /** When kernel preparation began (the network built, the data read). */
  loadedAt: number | null;
  /** When the first step began (the kernels prepared). */
  firstStepAt: number | null;
  /** When the first step's loss was read. */
  firstPointAt: number;
}

/** A preparation under this share of the estimate found its pipelines compiled already. */
const CACHED_PREPARATION = 0.25;

const blend = (old: number, measured: number) =>
  Number.isFinite(measured) && measured >= 0
    ? (1 - REFINE_WEIGHT) * old + REFINE_WEIGHT * measured
    : old;

/**
 * Folds a run's start (load, preparation, first step) into the calibration: the one-off costs
 * before the first point, which a steady step says nothing about.
 */
export function refineStart(c: DeviceCalibration, o: StartObservation): DeviceCalibration {
  const next = { ...c };
  const loaded = o.loadedAt ?? o.firstStepAt;
  if (loaded !== null) next.loadSeconds = blend(c.loadSeconds, loaded);
  if (o.loadedAt !== null && o.firstStepAt !== null) {
    const perShape = (o.firstStepAt - o.loadedAt) / Math.max(1, o.features.distinctConvShapes);
    // Far under the estimate: the shapes' pipelines were compiled earlier in this page (the
    // same shapes run before), which says nothing about new ones.
    if (perShape >= CACHED_PREPARATION * c.secondsPerShape) {
      next.secondsPerShape = blend(c.secondsPerShape, perShape);
    }
  }
  if (o.firstStepAt !== null) {
    const oneOff = o.firstPointAt - o.firstStepAt - stepSeconds(c, o.features, o.batch);
    next.firstStepSecondsPerLayer = blend(
      c.firstStepSecondsPerLayer,
      Math.max(0, oneOff) / Math.max(1, o.features.convLayers),
    );
  }
  return next;
}

/** What a run will be, as far as its cost goes. */
export interface RunPlanInput {
  batchSize: number;
  epochs: number;
  /** Training images per epoch (0: all of the dataset's). */
  trainLimit: number;
  /** Test images per evaluation (0: all). */
  testLimit: number;
  /** Also evaluate every N steps (0: only at each epoch's end). */
  evalEverySteps: number;
  /** A loss point every N steps after the first step's (`reportEveryFor`: from the config). */
  reportEverySteps: number;
}

export interface DatasetSize {
  trainCount: number;
  testCount: number;
}

export interface RunEstimate {
  secondsPerStep: number;
  stepsPerEpoch: number;
  totalSteps: number;
  /** Training steps and the evaluations of one epoch. */
  secondsPerEpoch: number;
  /** Preparation (kernels compiled) before the first step. */
  prepareSeconds: number;
  /** The first step's one-off costs, on top of a step. */
  oneOffSeconds: number;
  /** From Start to the first loss point on the chart (after step 1). */
  secondsToFirstPoint: number;
  /** From Start to the second loss point: the first line drawn. */
  secondsToSecondPoint: number;
  totalSeconds: number;
  trainImages: number;
  testImages: number;
}

/** Training images an epoch uses: the limit when set, never more than the dataset has. */
export function effectiveCount(limit: number, available: number): number {
  return limit > 0 ? Math.min(limit, available) : available;
}

export function estimateRun(
  calibration: DeviceCalibration,
  features: NetworkCostFeatures,
  run: RunPlanInput,
  data: DatasetSize,
): RunEstimate {
  const trainImages = effectiveCount(run.trainLimit, data.trainCount);
  const testImages = effectiveCount(run.testLimit, data.testCount);
  const stepsPerEpoch = Math.floor(trainImages / run.batchSize);
  const secondsPerStep = stepSeconds(calibration, features, run.batchSize);
  const evalTime = evalSeconds(calibration, features, testImages, run.batchSize);
  const evalsPerEpoch =
    1 + (run.evalEverySteps > 0 ? Math.floor((stepsPerEpoch - 1) / run.evalEverySteps) : 0);
  const secondsPerEpoch = stepsPerEpoch * secondsPerStep + evalsPerEpoch * evalTime;
  const prepareSeconds = calibration.secondsPerShape * features.distinctConvShapes;
  const oneOffSeconds = calibration.firstStepSecondsPerLayer * features.convLayers;
  const secondPointStep = Math.max(2, run.reportEverySteps);
  const firstEval = run.evalEverySteps > 0 && run.evalEverySteps <= secondPointStep ? evalTime : 0;
  const secondsToFirstPoint =
    calibration.loadSeconds + prepareSeconds + oneOffSeconds + secondsPerStep + POINT_SECONDS;
  const secondsToSecondPoint =
    secondsToFirstPoint + (secondPointStep - 1) * secondsPerStep + firstEval;
  return {
    secondsPerStep,
    stepsPerEpoch,
    totalSteps: stepsPerEpoch * run.epochs,
    secondsPerEpoch,
    prepareSeconds,
    oneOffSeconds,
    secondsToFirstPoint,
    secondsToSecondPoint,
    totalSeconds:
      calibration.loadSeconds + prepareSeconds + oneOffSeconds + run.epochs * secondsPerEpoch,
    trainImages,
    testImages,
  };
}

/**
 * Work (in `stepWork` units) one loss point should stand for: about 2 s of training on the
 * 2-core development machine's software GPU (tiny classroom network at batch 16: 3.7e8, about
 * 1.7 s a step there). A device-independent constant, so that the plotted steps are a pure
 * function of the run's network and batch: two runs of one config plot the same steps.
 */
export const REPORT_WORK = 4e8;
/** Never fewer loss points than one every this many steps (the trainer's old fixed cadence). */
export const MAX_REPORT_EVERY = 5;

/**
 * The steps between two loss points of a run of this network and batch (after step 1's own
 * point): 1 for anything at least REPORT_WORK a step, up to MAX_REPORT_EVERY for small steps.
 * Depends on the config alone (not on the device), so identical runs plot identical curves;
 * at most one read is in flight, so a cadence of 1 still leaves a step queued on the GPU.
 */
export function reportEveryFor(features: NetworkCostFeatures, batch: number): number {
  const work = stepWork(features, batch);
  if (!(work > 0)) return MAX_REPORT_EVERY;
  return Math.max(1, Math.min(MAX_REPORT_EVERY, Math.floor(REPORT_WORK / work)));
}
