import { describe, expect, it } from 'vitest';
import { tinyClassroom } from '../model/presets';
import { toRunConfig, DEFAULT_HYPERPARAMETERS } from '../model/hyperparameters';
import type { RunMetricsUpdate, TrainPoint } from '../protocol/training';
import { applyProgress, startObservation, stepObservations } from './deviceCost';
import { initialTrainingState } from './trainingSlice';
import { FRESH_LIVE as live, runSummary } from './testing/runSummary';

const config = toRunConfig(
  tinyClassroom(),
  { ...DEFAULT_HYPERPARAMETERS, batchSize: 16 },
  'd',
  'n',
);
const point = (step: number, imagesPerSecond: number): TrainPoint => ({
  step,
  epoch: step / 10,
  loss: 2,
  error: 0.9,
  lr: 0.1,
  imagesPerSecond,
});
const base = {
  ...initialTrainingState,
  runs: { r1: { ...runSummary('r1', config), history: { train: [], test: [] } } },
  order: ['r1'],
};

describe('stepObservations', () => {
  it('skips the first point after a load (it carries the preparation), then reads step times', () => {
    const t = applyProgress(base, {
      runId: 'r1',
      phase: 'training',
      done: 0,
      total: 0,
      elapsedSeconds: 9,
    });
    expect(t.progress.r1!.firstPointPending).toBe(true);
    const update: RunMetricsUpdate = {
      runId: 'r1',
      live,
      train: [point(1, 1), point(2, 8)],
      test: [],
    };
    const first = stepObservations(t, [update]);
    expect(first.observations).toHaveLength(1);
    expect(first.observations[0]!.secondsPerStep).toBeCloseTo(2, 9); // 16 images at 8/s
    expect(first.progress.r1!.firstPointPending).toBe(false);
    const next = stepObservations({ ...t, progress: first.progress }, [update]);
    expect(next.observations).toHaveLength(2);
  });

  it('ignores unknown runs and points without a speed', () => {
    const update: RunMetricsUpdate = { runId: 'nope', live, train: [point(1, 1)], test: [] };
    expect(stepObservations(base, [update]).observations).toHaveLength(0);
    const zero: RunMetricsUpdate = { runId: 'r1', live, train: [point(5, 0)], test: [] };
    expect(stepObservations(base, [zero]).observations).toHaveLength(0);
  });
});

describe('startObservation', () => {
  const at = (
    phase: 'loading' | 'preparing' | 'firstStep' | 'training',
    elapsedSeconds: number,
  ) => ({
    runId: 'r1',
    phase,
    done: 0,
    total: 0,
    elapsedSeconds,
  });

  it('times the load, the preparation and the first step from the phases, once the first point is read', () => {
    let t = applyProgress(base, at('loading', 0));
    t = applyProgress(t, at('preparing', 2.5));
    t = applyProgress(t, at('preparing', 4)); // k/n: the preparation began at 2.5
    expect(startObservation(t, 'r1')).toBeNull();
    t = applyProgress(t, at('firstStep', 7));
    t = applyProgress(t, at('training', 12));
    const o = startObservation(t, 'r1')!;
    expect(o).toMatchObject({ batch: 16, loadedAt: 2.5, firstStepAt: 7, firstPointAt: 12 });
    // A new load (a resume) forgets the previous one's times.
    t = applyProgress(t, at('loading', 0));
    t = applyProgress(t, at('firstStep', 1));
    t = applyProgress(t, at('training', 3));
    expect(startObservation(t, 'r1')).toMatchObject({ loadedAt: null, firstStepAt: 1 });
  });
});
