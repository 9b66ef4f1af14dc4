import { describe, expect, it } from 'vitest';
import { fromPaper } from './presets';
import {
  DIALOG_THRESHOLD_SECONDS,
  keepNetworkChoice,
  LEARNING_SECONDS,
  quickStartChoice,
  secondsToLearning,
} from './quickStart';
import { calibration, DEFAULT_PLAN as DEFAULTS, SAMPLE } from './testing/runPlan';
import { costFeatures, estimateRun, type DeviceCalibration } from './trainingCost';

/** About this machine's software adapter: DMRNet L=12 at batch 8 in ~7 s a step. */
const SOFTWARE = calibration({
  secondsPerMultiplyAdd: 2e-9,
  secondsPerLayer: 0.05,
  secondsPerShape: 0.7,
  firstStepSecondsPerLayer: 0.05,
  loadSeconds: 1,
});
/** A desktop GPU: a hundred times faster, compiling quickly. */
const DESKTOP: DeviceCalibration = {
  ...SOFTWARE,
  secondsPerMultiplyAdd: 7e-11,
  secondsPerLayer: 5e-4,
  secondsPerShape: 0.05,
  firstStepSecondsPerLayer: 0.001,
  loadSeconds: 0.5,
};

describe('quickStartChoice', () => {
  const l12 = fromPaper({ arch: 'dmrnet', L: 12 });
  const l24 = fromPaper({ arch: 'dmrnet', L: 24 });

  it('asks nothing when the first point comes soon enough', () => {
    expect(quickStartChoice(DESKTOP, l12, DEFAULTS, SAMPLE)).toBeNull();
  });

  it('offers a run that shows learning within a minute on a slow device', () => {
    for (const spec of [l12, l24]) {
      const slow = estimateRun(SOFTWARE, costFeatures(spec), DEFAULTS, SAMPLE);
      expect(slow.secondsToFirstPoint).toBeGreaterThan(DIALOG_THRESHOLD_SECONDS);
      const choice = quickStartChoice(SOFTWARE, spec, DEFAULTS, SAMPLE)!;
      expect(choice).not.toBeNull();
      expect(secondsToLearning(choice.estimate)).toBeLessThanOrEqual(LEARNING_SECONDS);
      expect(choice.estimate.secondsToSecondPoint).toBeLessThan(LEARNING_SECONDS);
      expect(choice.run.testLimit).toBeLessThanOrEqual(SAMPLE.testCount);
      expect(choice.run.trainLimit).toBeLessThanOrEqual(SAMPLE.trainCount);
      expect(choice.run.trainLimit % choice.run.batchSize).toBe(0);
    }
  });

  it('keeps the network with a smaller batch when that is fast enough', () => {
    const medium: DeviceCalibration = {
      ...SOFTWARE,
      secondsPerMultiplyAdd: 1.2e-9,
      secondsPerLayer: 0.02,
    };
    const choice = quickStartChoice(medium, l12, DEFAULTS, SAMPLE)!;
    expect(choice.spec).toBe(l12);
    expect(choice.run.batchSize).toBeLessThan(64);
  });

  it('falls back to the tiny classroom network when the chosen one is too slow', () => {
    const choice = quickStartChoice(SOFTWARE, l24, DEFAULTS, SAMPLE)!;
    expect(choice.spec.name).toMatch(/Classroom DMRNet/);
  });
});

describe('keepNetworkChoice', () => {
  it('offers the chosen network at a small batch beside the tiny one when it draws a line in a minute', () => {
    const l12 = fromPaper({ arch: 'dmrnet', L: 12 });
    const first = quickStartChoice(SOFTWARE, l12, DEFAULTS, SAMPLE)!;
    const keep = keepNetworkChoice(SOFTWARE, l12, DEFAULTS, SAMPLE, first);
    if (first.spec === l12) expect(keep).toBeNull();
    else {
      expect(keep!.spec).toBe(l12);
      expect(keep!.run.batchSize).toBe(8);
      expect(keep!.estimate.secondsToSecondPoint).toBeLessThanOrEqual(LEARNING_SECONDS);
    }
  });
});
