/**
 * Pressing Start: what the chosen network, batch and dataset will cost on this device, and the
 * Start dialog's offers when the first chart point is far away (model/quickStart.ts). A run
 * starts with a loss point after step 1 and then every `reportEverySteps`, a pure function of
 * its network and batch (model/trainingCost.ts `reportEveryFor`).
 */
import { toRunConfig, type Hyperparameters } from '../model/hyperparameters';
import {
  DIALOG_THRESHOLD_SECONDS,
  keepNetworkChoice,
  QUICK_TEST_IMAGES,
  quickRun,
  quickStartChoice,
  type QuickStartChoice,
} from '../model/quickStart';
import { tinyClassroom } from '../model/presets';
import type { NetworkSpec } from '../model/spec';
import type { DatasetManifest } from '../model/dataset';
import {
  effectiveCount,
  estimateRun,
  reportEveryFor,
  type DatasetSize,
  type DeviceCalibration,
  type RunEstimate,
  type RunPlanInput,
} from '../model/trainingCost';
import { featuresOf } from './deviceCost';
import { setHyperparameters, setSpec } from './editorActions';
import type { PresetChoice } from './editorSlice';
import { useAppStore } from './store';
import { startRun } from './trainingActions';

/** The run plan of a set of hyperparameters (reportEverySteps from the network and batch). */
export function runPlanOf(spec: NetworkSpec, h: Hyperparameters): RunPlanInput {
  return {
    batchSize: h.batchSize,
    epochs: h.epochs,
    trainLimit: h.trainLimit,
    testLimit: h.testLimit,
    evalEverySteps: h.evalEverySteps,
    reportEverySteps: reportEveryFor(featuresOf(spec), h.batchSize),
  };
}

/** The stored dataset's image counts (null while the list is not read or it is not there). */
export function datasetSize(name: string): DatasetSize | null {
  const manifest = useAppStore.getState().data.datasets.find((d) => d.name === name);
  return manifest ? sizeOfManifest(manifest) : null;
}

/** A stored dataset's image counts, as the plan needs them (0 for a split it lacks). */
export function sizeOfManifest(manifest: DatasetManifest): DatasetSize {
  return {
    trainCount: manifest.splits.train?.count ?? 0,
    testCount: manifest.splits.test?.count ?? 0,
  };
}

export interface StartPlan {
  spec: NetworkSpec;
  hyper: Hyperparameters;
  dataset: string;
  run: RunPlanInput;
  estimate: RunEstimate;
  /** The dialog's first offer, when the first point is over DIALOG_THRESHOLD_SECONDS away. */
  quick: QuickStartChoice | null;
  /** Its second offer: the chosen network at a small batch (when `quick` swapped it). */
  keep: QuickStartChoice | null;
}

/** Pure: the plan for a network, hyperparameters and dataset on a calibrated device. */
export function planStart(
  calibration: DeviceCalibration,
  spec: NetworkSpec,
  hyper: Hyperparameters,
  dataset: string,
  size: DatasetSize,
): StartPlan {
  const run = runPlanOf(spec, hyper);
  const estimate = estimateRun(calibration, featuresOf(spec), run, size);
  const quick =
    estimate.secondsToFirstPoint > DIALOG_THRESHOLD_SECONDS
      ? quickStartChoice(calibration, spec, run, size)
      : null;
  const keep = quick ? keepNetworkChoice(calibration, spec, run, size, quick) : null;
  return { spec, hyper, dataset, run, estimate, quick, keep };
}

export function chooseDataset(name: string): void {
  useAppStore.setState((s) => ({ training: { ...s.training, dataset: name } }));
}

/** Starts the run as configured (never more test images than the dataset has). */
export async function startAsConfigured(plan: StartPlan): Promise<string | null> {
  const testLimit = effectiveCount(plan.hyper.testLimit, plan.estimate.testImages || Infinity);
  const config = toRunConfig(
    plan.spec,
    { ...plan.hyper, testLimit: plan.hyper.testLimit > 0 ? testLimit : 0 },
    plan.dataset,
    plan.spec.name,
  );
  return startRun(config);
}

/**
 * Starts one of the dialog's offers. The editor takes its network and hyperparameters first,
 * so what the page shows is what runs.
 */
export async function startChoice(
  plan: StartPlan,
  choice: QuickStartChoice,
  preset: PresetChoice | null,
): Promise<string | null> {
  const hyper: Hyperparameters = {
    ...plan.hyper,
    batchSize: choice.run.batchSize,
    epochs: choice.run.epochs,
    trainLimit: choice.run.trainLimit,
    testLimit: choice.run.testLimit,
    evalEverySteps: choice.run.evalEverySteps,
  };
  if (choice.spec !== plan.spec) setSpec(choice.spec, preset);
  setHyperparameters(hyper);
  const config = toRunConfig(choice.spec, hyper, plan.dataset, choice.spec.name);
  return startRun(config);
}

/** Starts the editor's network when there is no estimate (the device could not be measured). */
export async function startUnestimated(): Promise<string | null> {
  const s = useAppStore.getState();
  const { spec, hyper } = s.editor;
  return startRun(toRunConfig(spec, hyper, s.training.dataset, spec.name));
}

/** The tiny classroom network's own hyperparameters when the device is not measured yet. */
export const TINY_DEFAULTS = { batchSize: 16, epochs: 1, trainLimit: 800, evalEverySteps: 25 };

/**
 * The tiny classroom preset with hyperparameters of its own: a batch and a budget that fit the
 * chosen dataset and this device (a run of about two minutes), never more test images than
 * the dataset has.
 */
export function chooseTinyPreset(): void {
  const s = useAppStore.getState();
  const spec = tinyClassroom();
  const size = datasetSize(s.training.dataset);
  const hyper = { ...s.editor.hyper };
  if (s.worker.cost.state === 'known' && size) {
    const base = runPlanOf(spec, { ...hyper, batchSize: 16 });
    const { run } = quickRun(s.worker.cost.calibration, spec, 16, base, size);
    Object.assign(hyper, {
      batchSize: run.batchSize,
      epochs: run.epochs,
      trainLimit: run.trainLimit,
      testLimit: run.testLimit,
      evalEverySteps: run.evalEverySteps,
    });
  } else {
    Object.assign(hyper, TINY_DEFAULTS, {
      testLimit: Math.min(QUICK_TEST_IMAGES, size?.testCount ?? QUICK_TEST_IMAGES),
    });
  }
  setSpec(spec, null);
  setHyperparameters(hyper);
}
