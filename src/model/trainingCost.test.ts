import { describe, expect, it } from 'vitest';
import { fromPaper, tinyClassroom } from './presets';
import { calibration, DEFAULT_PLAN as PLAN, SAMPLE } from './testing/runPlan';
import {
  calibrationFrom,
  costFeatures,
  effectiveCount,
  estimateRun,
  fitStepCost,
  addStepSample,
  MAX_REPORT_EVERY,
  POINT_SECONDS,
  refineCalibration,
  refineStart,
  reportEveryFor,
  stepSeconds,
  stepTerms,
  type DeviceCalibration,
  type StepSample,
} from './trainingCost';

const CAL = calibration({
  secondsPerMultiplyAdd: 1e-9,
  secondsPerLayer: 0.02,
  secondsPerShape: 0.5,
  firstStepSecondsPerLayer: 0.1,
  loadSeconds: 2,
});

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

  it('counts narrow layers as LANES channels wide: L=12 costs about 4 tiny steps, not 8.5', () => {
    const tiny = costFeatures(tinyClassroom());
    const l12 = costFeatures(fromPaper({ arch: 'dmrnet', L: 12 }));
    expect(l12.forwardMacsPerImage / tiny.forwardMacsPerImage).toBeGreaterThan(8);
    // Measured on the software adapter: 4.1 times (e2e/estimateTable.bench.spec.ts, docs/ui.md).
    expect(l12.laneMacsPerImage / tiny.laneMacsPerImage).toBeCloseTo(4, 0);
    // Past LANES channels nothing changes: a wide network's lane count is its multiply-adds.
    const wide = costFeatures(fromPaper({ arch: 'dmrnet', L: 30, widen: 4 }));
    expect(wide.laneMacsPerImage / wide.forwardMacsPerImage).toBeLessThan(1.1);
  });
});

describe('estimateRun', () => {
  const f = costFeatures(fromPaper({ arch: 'dmrnet', L: 12 }));

  it('gives seconds per step, per epoch and to the first points, and caps by the dataset', () => {
    const e = estimateRun(CAL, f, PLAN, SAMPLE);
    expect(e.secondsPerStep).toBeCloseTo(
      3 * f.laneMacsPerImage * 64 * 1e-9 + 0.02 * f.convLayers,
      9,
    );
    expect(e.stepsPerEpoch).toBe(25);
    expect(e.totalSteps).toBe(50);
    expect(e.testImages).toBe(400); // never more test images than the dataset has
    expect(e.prepareSeconds).toBeCloseTo(0.5 * f.distinctConvShapes, 9);
    expect(e.oneOffSeconds).toBeCloseTo(0.1 * f.convLayers, 9);
    // Load, kernels, the first step's one-off costs, the step itself, the way to the chart.
    expect(e.secondsToFirstPoint).toBeCloseTo(
      2 + e.prepareSeconds + e.oneOffSeconds + e.secondsPerStep + POINT_SECONDS,
      9,
    );
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

describe('fitStepCost', () => {
  const tiny = costFeatures(tinyClassroom({ width: 8 }));
  const l12 = costFeatures(fromPaper({ arch: 'dmrnet', L: 12 }));
  const truth: DeviceCalibration = { ...CAL, secondsPerMultiplyAdd: 4e-9, secondsPerLayer: 0.03 };
  const observe = (f: typeof tiny, batch: number) => ({
    features: f,
    batch,
    secondsPerStep: stepSeconds(truth, f, batch),
  });

  it('separates the per-multiply-add and per-layer costs from two batches of one network', () => {
    const samples = [observe(tiny, 2), observe(tiny, 16)].reduce<StepSample[]>(
      (all, o) => addStepSample(all, o, false),
      [],
    );
    const fit = fitStepCost(samples, CAL);
    expect(fit.secondsPerMultiplyAdd).toBeCloseTo(4e-9, 15);
    expect(fit.secondsPerLayer).toBeCloseTo(0.03, 9);
    // Then a deeper, wider network at another batch is predicted, not just the one measured.
    const predicted = stepSeconds({ ...CAL, ...fit }, l12, 64);
    expect(predicted / stepSeconds(truth, l12, 64)).toBeCloseTo(1, 6);
  });

  it("takes its level from real runs once there are any, its shape from the calibration's", () => {
    // The calibration (no data, no augmentation, another load) saw steps 3 times faster.
    const calibration = [observe(tiny, 2), observe(tiny, 16)].map((o) => ({
      ...o,
      secondsPerStep: o.secondsPerStep / 3,
    }));
    let samples = calibration.reduce<StepSample[]>((all, o) => addStepSample(all, o, false), []);
    samples = addStepSample(samples, observe(tiny, 64)); // a real run
    const fit = fitStepCost(samples, CAL);
    // An unmeasured network is predicted at the runs' level, with the calibration's balance.
    expect(
      stepSeconds({ ...CAL, ...fit, steps: [] }, l12, 64) / stepSeconds(truth, l12, 64),
    ).toBeCloseTo(1, 1);
  });

  it('keeps the ratio and scales both terms when one configuration is all it has', () => {
    const samples = addStepSample([], observe(tiny, 16));
    const fit = fitStepCost(samples, CAL);
    expect(fit.secondsPerLayer / fit.secondsPerMultiplyAdd).toBeCloseTo(0.02 / 1e-9, 0);
    expect(stepSeconds({ ...CAL, ...fit }, tiny, 16)).toBeCloseTo(stepSeconds(truth, tiny, 16), 9);
  });

  it('weighs newer configurations more, and averages repeats of one configuration', () => {
    let samples = addStepSample([], observe(tiny, 16));
    samples = addStepSample(samples, { ...observe(tiny, 16), secondsPerStep: 4 });
    expect(samples).toHaveLength(1);
    expect(samples[0]!.count).toBe(2);
    const first = stepSeconds(truth, tiny, 16);
    expect(samples[0]!.seconds).toBeCloseTo(Math.sqrt(first * 4), 9); // geometric mean
    samples = addStepSample(samples, observe(l12, 64));
    expect(samples[0]!.macs).toBe(stepTerms(l12, 64).macs); // newest first
    for (let b = 1; b <= 12; b++) samples = addStepSample(samples, observe(l12, b));
    expect(samples.length).toBeLessThanOrEqual(8);
  });
});

describe('calibration', () => {
  const tiny = costFeatures(tinyClassroom({ width: 8 }));
  const truth: DeviceCalibration = { ...CAL, secondsPerMultiplyAdd: 4e-9, secondsPerLayer: 0.03 };
  const measured = {
    features: tiny,
    batch: 16,
    secondsPerStep: stepSeconds(truth, tiny, 16),
    prepareSeconds: 4,
    firstStepSeconds: stepSeconds(truth, tiny, 16) + 1.7,
    small: { features: tiny, batch: 2, secondsPerStep: stepSeconds(truth, tiny, 2) },
  };

  it('turns the start-up measurement into both step terms, the preparation and the one-off costs', () => {
    const cal = calibrationFrom(measured);
    expect(cal.secondsPerMultiplyAdd).toBeCloseTo(4e-9, 15);
    expect(cal.secondsPerLayer).toBeCloseTo(0.03, 9);
    expect(cal.secondsPerShape * tiny.distinctConvShapes).toBeCloseTo(4, 9);
    expect(cal.firstStepSecondsPerLayer * tiny.convLayers).toBeCloseTo(1.7, 9);
    expect(cal.source).toBe('calibration');
    expect(cal.steps).toHaveLength(2);
  });

  it('refines towards a run measurement, never all the way at once', () => {
    const cal = calibrationFrom(measured);
    const l12 = costFeatures(fromPaper({ arch: 'dmrnet', L: 12 }));
    const real = 3 * stepSeconds(cal, l12, 64); // the big network is slower than predicted
    const refined = refineCalibration(cal, { features: l12, batch: 64, secondsPerStep: real });
    const predicted = stepSeconds(refined, l12, 64);
    expect(predicted).toBeGreaterThan(stepSeconds(cal, l12, 64));
    expect(predicted).toBeLessThanOrEqual(real * 1.0001);
    expect(refined.source).toBe('runs');
    expect(refined.samples).toBe(2);
    // Repeated measurements converge on them.
    let c = refined;
    for (let i = 0; i < 10; i++) {
      c = refineCalibration(c, { features: l12, batch: 64, secondsPerStep: real });
    }
    expect(stepSeconds(c, l12, 64) / real).toBeGreaterThan(0.9);
    // Nonsense is ignored.
    expect(refineCalibration(cal, { features: l12, batch: 64, secondsPerStep: 0 })).toEqual(cal);
  });

  it('refines the load, the preparation and the one-off costs from a run start', () => {
    const l12 = costFeatures(fromPaper({ arch: 'dmrnet', L: 12 }));
    const step = stepSeconds(CAL, l12, 64);
    const next = refineStart(CAL, {
      features: l12,
      batch: 64,
      loadedAt: 4,
      firstStepAt: 4 + 1.5 * l12.distinctConvShapes,
      firstPointAt: 4 + 1.5 * l12.distinctConvShapes + step + 0.3 * l12.convLayers,
    });
    expect(next.loadSeconds).toBeCloseTo(3, 9); // halfway from 2 to 4
    expect(next.secondsPerShape).toBeCloseTo(1, 9); // halfway from 0.5 to 1.5
    expect(next.firstStepSecondsPerLayer).toBeCloseTo(0.2, 9); // halfway from 0.1 to 0.3
    // Without a preparation phase (not WebGPU) the first step's start is the load's end.
    const plain = refineStart(CAL, {
      features: l12,
      batch: 64,
      loadedAt: null,
      firstStepAt: 6,
      firstPointAt: 6 + step,
    });
    expect(plain.loadSeconds).toBeCloseTo(4, 9);
    expect(plain.secondsPerShape).toBe(CAL.secondsPerShape);
    expect(plain.firstStepSecondsPerLayer).toBeCloseTo(0.05, 9);
    // A preparation far under the estimate found its pipelines compiled: not folded in.
    const cached = refineStart(CAL, {
      features: l12,
      batch: 64,
      loadedAt: 2,
      firstStepAt: 2 + 0.01 * l12.distinctConvShapes,
      firstPointAt: 3 + step,
    });
    expect(cached.secondsPerShape).toBe(CAL.secondsPerShape);
  });
});

describe('reportEveryFor', () => {
  const tiny = costFeatures(tinyClassroom({ width: 8 }));
  const tiny4 = costFeatures(tinyClassroom({ width: 4 }));
  const l12 = costFeatures(fromPaper({ arch: 'dmrnet', L: 12 }));

  it('is a function of the network and batch alone: every step for big steps, up to 5 for small', () => {
    expect(reportEveryFor(l12, 64)).toBe(1);
    expect(reportEveryFor(tiny, 16)).toBe(1);
    expect(reportEveryFor(tiny4, 4)).toBeGreaterThan(1);
    expect(reportEveryFor(tiny4, 1)).toBeLessThanOrEqual(MAX_REPORT_EVERY);
    expect(reportEveryFor(tiny4, 4)).toBe(
      reportEveryFor(costFeatures(tinyClassroom({ width: 4 })), 4),
    );
    const none = {
      forwardMacsPerImage: 0,
      laneMacsPerImage: 0,
      convLayers: 0,
      distinctConvShapes: 0,
    };
    expect(reportEveryFor(none, 8)).toBe(MAX_REPORT_EVERY);
  });
});
