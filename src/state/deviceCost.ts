/**
 * The device's cost numbers in the store: the worker's start-up measurement (workerActions)
 * refined by every run's real step times, and each run's start phases. Pure folds first, then
 * the actions that apply them.
 */
import {
  costFeatures,
  refineCalibration,
  refinePreparation,
  type DeviceCalibration,
  type NetworkCostFeatures,
  type StepObservation,
} from '../model/trainingCost';
import type { NetworkSpec } from '../model/spec';
import type { RunMetricsUpdate, RunProgress } from '../protocol/training';
import { useAppStore } from './store';
import type { TrainingSlice } from './trainingSlice';

type Training = TrainingSlice['training'];

const featureCache = new WeakMap<NetworkSpec, NetworkCostFeatures>();

/** costFeatures, once per spec object (the store keeps specs immutable). */
export function featuresOf(spec: NetworkSpec): NetworkCostFeatures {
  let f = featureCache.get(spec);
  if (!f) {
    f = costFeatures(spec);
    featureCache.set(spec, f);
  }
  return f;
}

/** Pure: the slice after a runProgress event. */
export function applyProgress(t: Training, e: RunProgress): Training {
  return {
    ...t,
    progress: {
      ...t.progress,
      [e.runId]: { ...e, firstPointPending: e.phase === 'training' },
    },
  };
}

/**
 * Pure: the step times a batch of metrics measured, and the progress with the first point after
 * each load consumed (that one carries the preparation time, not a step's).
 */
export function stepObservations(
  t: Training,
  updates: RunMetricsUpdate[],
): { observations: StepObservation[]; progress: Training['progress'] } {
  const observations: StepObservation[] = [];
  let progress = t.progress;
  for (const u of updates) {
    const run = t.runs[u.runId];
    if (!run || u.train.length === 0) continue;
    let points = u.train;
    const p = progress[u.runId];
    if (p?.firstPointPending) {
      points = points.slice(1);
      progress = { ...progress, [u.runId]: { ...p, firstPointPending: false } };
    }
    const features = featuresOf(run.config.spec);
    for (const point of points) {
      if (!(point.imagesPerSecond > 0)) continue;
      observations.push({
        features,
        batch: run.config.batchSize,
        secondsPerStep: run.config.batchSize / point.imagesPerSecond,
      });
    }
  }
  return { observations, progress };
}

function setCalibration(update: (c: DeviceCalibration) => DeviceCalibration): void {
  useAppStore.setState((s) =>
    s.worker.cost.state === 'known'
      ? {
          worker: {
            ...s.worker,
            cost: { ...s.worker.cost, calibration: update(s.worker.cost.calibration) },
          },
        }
      : {},
  );
}

/** A runProgress event: the phase in the store; the first step's time refines the preparation. */
export function receiveProgress(e: RunProgress): void {
  useAppStore.setState((s) => ({ training: applyProgress(s.training, e) }));
  const run = useAppStore.getState().training.runs[e.runId];
  if (e.phase === 'training' && run) {
    setCalibration((c) =>
      refinePreparation(c, featuresOf(run.config.spec), run.config.batchSize, e.elapsedSeconds),
    );
  }
}

/** Call before the metrics are applied: their step times refine the device's speed. */
export function refineFromMetrics(updates: RunMetricsUpdate[]): void {
  const { observations, progress } = stepObservations(useAppStore.getState().training, updates);
  if (observations.length > 0) {
    setCalibration((c) => observations.reduce(refineCalibration, c));
  }
  useAppStore.setState((s) => ({ training: { ...s.training, progress } }));
}
