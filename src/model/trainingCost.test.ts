import { describe, expect, it } from 'vitest';
import { fromPaper, tinyClassroom } from './presets';
import {
  calibrationFrom,
  costFeatures,
  effectiveCount,
  estimateRun,
  refineCalibration,
  refinePreparation,
  reportEveryFor,
  stepWork,
  type DeviceCalibration,
  type RunPlanInput,
} from './trainingCost';

const SAMPLE = { trainCount: 1600, testCount: 400 };
const PLAN: RunPlanInput = {
  batchSize: 64,
  epochs: 2,
  trainLimit: 0,
  testLimit: 1000,
  evalEverySteps: 50,
  reportEverySteps: 5,
};
const CAL: DeviceCalibration = {
  secondsPerMultiplyAdd: 1e-9,
  secondsPerShape: 0.5,
  source: 'calibration',
  samples: 1,
};

describe('costFeatures', () => {
  it('counts the conv layers, their multiply-adds and distinct shapes from the plan', () => {
    const l12 = costFeatures(fromPaper({ arch: 'dmrnet', L: 12 }));
    // conv0, 3 stages x 2 blocks x 2 streams x 2 layers, 2 stages x 2 projections.
    expect(l12.convLayers).toBe(1 + 24 + 4);
    expect(l12.forwardMacsPerImage).toBeGreaterThan(2e7);
    const l24 = costFeatures(fromPaper({ arch: 'dmrnet', L: 24 }));
    expect(l24.forwardMacsPerImage).toBeGreaterThan(1.8 * l12.forwardMacsPerImage);
    // Deeper nets repeat the same shapes: no new kernels to compile.
    expect(l24.distinctConvShapes).toBe(l12.distinctConvShapes);
    const wide = costFeatures(fromPaper({ arch: 'dmrnet', L: 12, widen: 2 }));
    expect(wide.forwardMacsPerImage).toBeGreaterThan(3.5 * l12.forwardMacsPerImage);
  });
});

describe('estimateRun', () => {
  const f = costFeatures(fromPaper({ arch: 'dmrnet', L: 12 }));

  it('gives seconds per step, per epoch and to the first points, and caps by the dataset', () => {
    const e = estimateRun(CAL, f, PLAN, SAMPLE);
    expect(e.secondsPerStep).toBeCloseTo(stepWork(f, 64) * 1e-9, 12);
    expect(e.stepsPerEpoch).toBe(25);
    expect(e.totalSteps).toBe(50);
    expect(e.testImages).toBe(400); // never more test images than the dataset has
    expect(e.prepareSeconds).toBeCloseTo(0.5 * f.distinctConvShapes, 9);
    expect(e.secondsToFirstPoint).toBeCloseTo(e.prepareSeconds + e.secondsPerStep, 9);
    expect(e.secondsToSecondPoint).toBeCloseTo(e.secondsToFirstPoint + 4 * e.secondsPerStep, 9);
    expect(e.secondsPerEpoch).toBeGreaterThan(25 * e.secondsPerStep);
  });

  it('grows with the batch and the depth', () => {
    const small = estimateRun(CAL, f, { ...PLAN, batchSize: 8 }, SAMPLE);
    const big = estimateRun(CAL, f, PLAN, SAMPLE);
    expect(big.secondsPerStep).toBeGreaterThan(4 * small.secondsPerStep);
    const deep = estimateRun(CAL, costFeatures(fromPaper({ arch: 'dmrnet', L: 24 })), PLAN, SAMPLE);
    expect(deep.secondsPerStep).toBeGreaterThan(1.8 * big.secondsPerStep);
  });

  it('uses the training limit when set', () => {
    expect(effectiveCount(0, 1600)).toBe(1600);
    expect(effectiveCount(320, 1600)).toBe(320);
    expect(effectiveCount(5000, 1600)).toBe(1600);
    expect(estimateRun(CAL, f, { ...PLAN, trainLimit: 320 }, SAMPLE).stepsPerEpoch).toBe(5);
  });
});

describe('calibration', () => {
  const tiny = costFeatures(tinyClassroom({ width: 8 }));

  it('turns a first step and a steady step into a speed and a preparation cost', () => {
    const cal = calibrationFrom({
      features: tiny,
      batch: 8,
      secondsPerStep: 0.5,
      firstStepSeconds: 3.5,
    });
    expect(cal.secondsPerMultiplyAdd * stepWork(tiny, 8)).toBeCloseTo(0.5, 9);
    expect(cal.secondsPerShape * tiny.distinctConvShapes).toBeCloseTo(3, 9);
    expect(cal.source).toBe('calibration');
  });

  it('refines towards a run measurement, never all the way at once', () => {
    const cal = calibrationFrom({
      features: tiny,
      batch: 8,
      secondsPerStep: 0.5,
      firstStepSeconds: 1,
    });
    const refined = refineCalibration(cal, { features: tiny, batch: 8, secondsPerStep: 2 });
    const predicted = refined.secondsPerMultiplyAdd * stepWork(tiny, 8);
    expect(predicted).toBeGreaterThan(0.5);
    expect(predicted).toBeLessThan(2);
    expect(refined.source).toBe('runs');
    expect(refined.samples).toBe(2);
    // Repeated measurements converge on them.
    let c = refined;
    for (let i = 0; i < 30; i++)
      c = refineCalibration(c, { features: tiny, batch: 8, secondsPerStep: 2 });
    expect(c.secondsPerMultiplyAdd * stepWork(tiny, 8)).toBeGreaterThan(1.5);
    // Nonsense is ignored.
    expect(refineCalibration(cal, { features: tiny, batch: 8, secondsPerStep: 0 })).toEqual(cal);
  });

  it('refines the preparation cost from a run first step', () => {
    const cal = { ...CAL, secondsPerShape: 1 };
    const step = cal.secondsPerMultiplyAdd * stepWork(tiny, 8);
    const next = refinePreparation(cal, tiny, 8, step);
    expect(next.secondsPerShape).toBeCloseTo(0.5, 9);
  });
});

describe('reportEveryFor', () => {
  it('reads a loss point every couple of seconds, every 1 to 5 steps', () => {
    expect(reportEveryFor(0.01)).toBe(5);
    expect(reportEveryFor(0.5)).toBe(4);
    expect(reportEveryFor(1.5)).toBe(1);
    expect(reportEveryFor(60)).toBe(1);
    expect(reportEveryFor(0)).toBe(5);
  });
});
