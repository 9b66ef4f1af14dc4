/** The run-cost tests' shared inputs: the shipped sample's size, a default run, a calibration. */
import type { DeviceCalibration, RunPlanInput } from '../trainingCost';

/** The shipped CIFAR-10 sample: 1,600 training and 400 test images. */
export const SAMPLE = { trainCount: 1600, testCount: 400 };

/** The default hyperparameters' run: 2 epochs at batch 64, 1,000 test images every 50 steps. */
export const DEFAULT_PLAN: RunPlanInput = {
  batchSize: 64,
  epochs: 2,
  trainLimit: 0,
  testLimit: 1000,
  evalEverySteps: 50,
  reportEverySteps: 5,
};

/** A device's start-up calibration alone (no run's steps folded in) with these costs. */
export function calibration(
  costs: Omit<DeviceCalibration, 'steps' | 'source' | 'samples'>,
): DeviceCalibration {
  return { ...costs, steps: [], source: 'calibration', samples: 1 };
}
