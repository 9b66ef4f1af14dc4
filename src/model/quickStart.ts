/**
 * A configuration that shows learning within a minute on this device, for the Start dialog:
 * when the chosen network and batch would leave a newcomer waiting, offer (in this order) the
 * same network with a smaller batch and a short budget, else the tiny classroom network.
 * Pure: the costs come from trainingCost.ts and the device's calibration.
 */
import { tinyClassroom } from './presets';
import type { NetworkSpec } from './spec';
import {
  costFeatures,
  estimateRun,
  reportEveryFor,
  type DatasetSize,
  type DeviceCalibration,
  type RunEstimate,
  type RunPlanInput,
} from './trainingCost';

/** Past this many seconds to the first chart point, Start asks first. */
export const DIALOG_THRESHOLD_SECONDS = 30;
/** "Learning within a minute": this many steps (loss points) inside LEARNING_SECONDS. */
export const LEARNING_STEPS = 10;
export const LEARNING_SECONDS = 60;
/** A quick run's whole budget, so that the curve reaches its end while the class watches. */
export const QUICK_RUN_SECONDS = 120;
/** Test images of a quick run's evaluations (a test pass is not free either). */
export const QUICK_TEST_IMAGES = 200;

export interface QuickStartChoice {
  /** What changes, in a few words, e.g. "DMRNet L=12, batch 8, 480 images". */
  label: string;
  /** Why it is offered. */
  reason: string;
  spec: NetworkSpec;
  run: RunPlanInput;
  estimate: RunEstimate;
}

/** Seconds from Start to LEARNING_STEPS loss points. */
export function secondsToLearning(e: RunEstimate): number {
  return e.secondsToFirstPoint + (LEARNING_STEPS - 1) * e.secondsPerStep;
}

/** A short run of `spec` at `batch`: about QUICK_RUN_SECONDS, one epoch, a small test set. */
export function quickRun(
  calibration: DeviceCalibration,
  spec: NetworkSpec,
  batch: number,
  base: RunPlanInput,
  data: DatasetSize,
): { run: RunPlanInput; estimate: RunEstimate } {
  const features = costFeatures(spec);
  const probe = estimateRun(
    calibration,
    features,
    { ...base, batchSize: batch, epochs: 1, trainLimit: 0, reportEverySteps: 1 },
    data,
  );
  const maxSteps = Math.floor(data.trainCount / batch);
  const budget = Math.max(
    0,
    QUICK_RUN_SECONDS - (probe.secondsToFirstPoint - probe.secondsPerStep),
  );
  const steps = Math.max(
    Math.min(LEARNING_STEPS, maxSteps),
    Math.min(maxSteps, Math.floor(budget / probe.secondsPerStep)),
  );
  const run: RunPlanInput = {
    batchSize: batch,
    epochs: 1,
    trainLimit: steps * batch,
    testLimit: Math.min(QUICK_TEST_IMAGES, data.testCount),
    evalEverySteps: steps >= 4 ? Math.ceil(steps / 2) : 0,
    reportEverySteps: reportEveryFor(features, batch),
  };
  return { run, estimate: estimateRun(calibration, features, run, data) };
}

const BATCHES = [32, 16, 8];

/**
 * The Start dialog's first choice for `spec` and `run` on this device, or null when the run as
 * configured shows its first point soon enough (no dialog).
 */
export function quickStartChoice(
  calibration: DeviceCalibration,
  spec: NetworkSpec,
  run: RunPlanInput,
  data: DatasetSize,
): QuickStartChoice | null {
  const asConfigured = estimateRun(calibration, costFeatures(spec), run, data);
  if (asConfigured.secondsToFirstPoint <= DIALOG_THRESHOLD_SECONDS) return null;
  for (const batch of BATCHES) {
    if (batch >= run.batchSize || batch > data.trainCount) continue;
    const quick = quickRun(calibration, spec, batch, run, data);
    if (secondsToLearning(quick.estimate) <= LEARNING_SECONDS) {
      return {
        label: `${spec.name}, batch ${batch}, ${quick.run.trainLimit} training images`,
        reason: `The same network with a smaller batch and a short budget.`,
        spec,
        ...quick,
      };
    }
  }
  let best: QuickStartChoice | null = null;
  for (const width of [8, 4]) {
    const tiny = tinyClassroom({ width, classes: spec.classes });
    for (const batch of [16, 8]) {
      if (batch > data.trainCount) continue;
      const quick = quickRun(calibration, tiny, batch, run, data);
      const choice: QuickStartChoice = {
        label: `${tiny.name}, batch ${batch}, ${quick.run.trainLimit} training images`,
        reason: `The network you chose is too slow for this device to show learning within a minute; the tiny classroom network is a merge-and-run network too.`,
        spec: tiny,
        ...quick,
      };
      if (secondsToLearning(quick.estimate) <= LEARNING_SECONDS) return choice;
      if (!best || secondsToLearning(quick.estimate) < secondsToLearning(best.estimate)) {
        best = choice;
      }
    }
  }
  return best;
}

/**
 * A second offer when the first one swapped the network: the chosen network at batch 8 with a
 * short budget, when it draws its first line (two points) within a minute.
 */
export function keepNetworkChoice(
  calibration: DeviceCalibration,
  spec: NetworkSpec,
  run: RunPlanInput,
  data: DatasetSize,
  first: QuickStartChoice,
): QuickStartChoice | null {
  if (first.spec === spec) return null;
  const batch = Math.min(8, run.batchSize);
  if (batch > data.trainCount) return null;
  const quick = quickRun(calibration, spec, batch, run, data);
  if (quick.estimate.secondsToSecondPoint > LEARNING_SECONDS) return null;
  return {
    label: `${spec.name}, batch ${batch}, ${quick.run.trainLimit} training images`,
    reason:
      'Your network, with a smaller batch and a short budget: fewer points in the first minute.',
    spec,
    ...quick,
  };
}
