/**
 * What a training run costs on this device, before it starts: seconds per step, per epoch and
 * to the first chart point, for a network, a batch and a dataset.
 *
 * The cost model is deliberately small, so that a few measurements pin it down:
 *
 *   step seconds = secondsPerMultiplyAdd x (3 x forward multiply-adds x batch
 *                                           + LAYER_OVERHEAD_MACS x conv layers)
 *
 * A training step is about three forward passes (forward, input gradient, filter gradient); each
 * conv layer also costs its dispatches and BN kernels whatever the batch, counted as a fixed
 * number of multiply-adds. The first step also compiles a kernel set per distinct conv shape
 * (on a software adapter most of the first step is shader compilation): `secondsPerShape`.
 *
 * The worker measures the device at start-up (src/train/calibrate.ts: a few real steps of a
 * tiny fixed network) and every run refines the numbers with its real step times
 * (`refineCalibration`). Pure: no DOM, no tfjs.
 */
import { convBnLayers, planNetwork } from './plan';
import type { NetworkSpec } from './spec';

/** Per conv layer and step, work that does not scale with the batch (dispatches, BN, ReLU). */
export const LAYER_OVERHEAD_MACS = 4e6;

/** What one training step of a network costs, counted from its plan. */
export interface NetworkCostFeatures {
  /** Multiply-adds of one forward pass of one image (convolutions and FC). */
  forwardMacsPerImage: number;
  /** Conv-BN layers (stems, branches, projections). */
  convLayers: number;
  /** Distinct conv shapes (kernel, stride, channels, size): each compiles its own kernels. */
  distinctConvShapes: number;
}

export function costFeatures(spec: NetworkSpec): NetworkCostFeatures {
  const plan = planNetwork(spec);
  const layers = convBnLayers(plan);
  let macs = 0;
  const shapes = new Set<string>();
  for (const l of layers) {
    macs += l.outSize.height * l.outSize.width * l.outChannels * l.inChannels * l.kernel * l.kernel;
    shapes.add(
      [l.kernel, l.stride, l.inChannels, l.outChannels, l.inSize.height, l.inSize.width].join(),
    );
  }
  for (const fc of plan.classifiers) macs += fc.inFeatures * fc.classes;
  return { forwardMacsPerImage: macs, convLayers: layers.length, distinctConvShapes: shapes.size };
}

/** The work of one training step in the model's unit (multiply-adds, overhead included). */
export function stepWork(f: NetworkCostFeatures, batch: number): number {
  return 3 * f.forwardMacsPerImage * batch + LAYER_OVERHEAD_MACS * f.convLayers;
}

/** The work of evaluating `images` test images (forward only, batches of at least 64). */
export function evalWork(f: NetworkCostFeatures, images: number, batch: number): number {
  const evalBatch = Math.max(batch, 64);
  const batches = Math.ceil(images / evalBatch);
  return f.forwardMacsPerImage * images + (LAYER_OVERHEAD_MACS / 3) * f.convLayers * batches;
}

/** This device's speed in the model's terms. */
export interface DeviceCalibration {
  secondsPerMultiplyAdd: number;
  /** Compilation and pipeline preparation per distinct conv shape, paid before the first step. */
  secondsPerShape: number;
  /** Where the numbers come from: the start-up measurement alone, or refined by runs. */
  source: 'calibration' | 'runs';
  /** Measurements folded in so far (the calibration counts as one). */
  samples: number;
}

/** The start-up measurement of the device (src/train/calibrate.ts) and what it gives. */
export interface DeviceMeasurement {
  calibration: DeviceCalibration;
  measured: StepObservation & { firstStepSeconds: number };
}

/** One measured step time (from the calibration or a run's train points). */
export interface StepObservation {
  features: NetworkCostFeatures;
  batch: number;
  secondsPerStep: number;
}

/** The calibration from the start-up measurement: a first step and a few timed steps after it. */
export function calibrationFrom(
  observation: StepObservation & { firstStepSeconds: number },
): DeviceCalibration {
  const secondsPerMultiplyAdd =
    observation.secondsPerStep / stepWork(observation.features, observation.batch);
  const compile = Math.max(0, observation.firstStepSeconds - observation.secondsPerStep);
  return {
    secondsPerMultiplyAdd,
    secondsPerShape: compile / Math.max(1, observation.features.distinctConvShapes),
    source: 'calibration',
    samples: 1,
  };
}

/** At most this weight for the newest observation: one odd step (a busy machine) moves little. */
const REFINE_WEIGHT = 0.5;

/**
 * Folds a run's measured step time into the calibration: a running average of the speed, in
 * log space (ratios, not differences, are what an estimate gets wrong).
 */
export function refineCalibration(
  calibration: DeviceCalibration,
  observation: StepObservation,
): DeviceCalibration {
  const measured = observation.secondsPerStep / stepWork(observation.features, observation.batch);
  if (!(measured > 0) || !Number.isFinite(measured)) return calibration;
  const w = Math.min(REFINE_WEIGHT, 1 / (calibration.samples + 1));
  const log = (1 - w) * Math.log(calibration.secondsPerMultiplyAdd) + w * Math.log(measured);
  return {
    ...calibration,
    secondsPerMultiplyAdd: Math.exp(log),
    source: 'runs',
    samples: calibration.samples + 1,
  };
}

/** Folds a run's measured preparation time (start to the end of its first step) into the calibration. */
export function refinePreparation(
  calibration: DeviceCalibration,
  features: NetworkCostFeatures,
  batch: number,
  firstStepSeconds: number,
): DeviceCalibration {
  const step = calibration.secondsPerMultiplyAdd * stepWork(features, batch);
  const perShape = Math.max(0, firstStepSeconds - step) / Math.max(1, features.distinctConvShapes);
  return { ...calibration, secondsPerShape: 0.5 * calibration.secondsPerShape + 0.5 * perShape };
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
  /** A loss point every N steps after the first step's (see `reportEveryFor`). */
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
  const secondsPerStep = calibration.secondsPerMultiplyAdd * stepWork(features, run.batchSize);
  const evalSeconds =
    calibration.secondsPerMultiplyAdd * evalWork(features, testImages, run.batchSize);
  const evalsPerEpoch =
    1 + (run.evalEverySteps > 0 ? Math.floor((stepsPerEpoch - 1) / run.evalEverySteps) : 0);
  const secondsPerEpoch = stepsPerEpoch * secondsPerStep + evalsPerEpoch * evalSeconds;
  const prepareSeconds = calibration.secondsPerShape * features.distinctConvShapes;
  const firstEval =
    run.evalEverySteps > 0 && run.evalEverySteps <= run.reportEverySteps ? evalSeconds : 0;
  const secondsToFirstPoint = prepareSeconds + secondsPerStep;
  const secondsToSecondPoint =
    secondsToFirstPoint + Math.max(1, run.reportEverySteps - 1) * secondsPerStep + firstEval;
  return {
    secondsPerStep,
    stepsPerEpoch,
    totalSteps: stepsPerEpoch * run.epochs,
    secondsPerEpoch,
    prepareSeconds,
    secondsToFirstPoint,
    secondsToSecondPoint,
    totalSeconds: prepareSeconds + run.epochs * secondsPerEpoch,
    trainImages,
    testImages,
  };
}

/** The steps between two loss points: one read-back every `targetSeconds` or so, 1 to 5 steps. */
export function reportEveryFor(secondsPerStep: number, targetSeconds = 2): number {
  if (!(secondsPerStep > 0)) return 5;
  return Math.max(1, Math.min(5, Math.floor(targetSeconds / secondsPerStep)));
}
