/**
 * The device's cost numbers in the store: the worker's start-up measurement (workerActions)
 * refined by every run's real step times, and each run's start phases. Pure folds first, then
 * the actions that apply them.
 */
import {
  costFeatures,
  refineCalibration,
  refineStart,
  type DeviceCalibration,
  type DeviceMeasurement,
  type NetworkCostFeatures,
  type StartObservation,
  type StepObservation,
} from '../model/trainingCost';
import type { NetworkSpec } from '../model/spec';
import type { RunMetricsUpdate, RunProgress } from '../protocol/training';
import { deviceCostKey, readDeviceCost, writeDeviceCost } from '../storage/deviceCostStore';
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

/** Pure: the slice after a runProgress event (with when each phase began, for refineStart). */
export function applyProgress(t: Training, e: RunProgress): Training {
  const before = e.phase === 'loading' ? undefined : t.progress[e.runId];
  const loadedAt = before?.loadedAt ?? (e.phase === 'preparing' ? e.elapsedSeconds : null);
  const firstStepAt = e.phase === 'firstStep' ? e.elapsedSeconds : (before?.firstStepAt ?? null);
  return {
    ...t,
    progress: {
      ...t.progress,
      [e.runId]: { ...e, firstPointPending: e.phase === 'training', loadedAt, firstStepAt },
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

/** This adapter's entry in localStorage (null before the worker reported its backend). */
function storageKey(): string | null {
  const report = useAppStore.getState().worker.report;
  if (!report || typeof localStorage === 'undefined') return null;
  return deviceCostKey(report.backend, report.adapter);
}

/** The calibration an earlier visit on this adapter kept, if any (and valid). */
export function storedDeviceCost(): DeviceMeasurement | null {
  const key = storageKey();
  return key ? readDeviceCost(localStorage, key) : null;
}

/** Keeps the current calibration for the next visit on this adapter. */
export function persistDeviceCost(): void {
  const key = storageKey();
  const cost = useAppStore.getState().worker.cost;
  if (key && cost.state === 'known') {
    writeDeviceCost(localStorage, key, { calibration: cost.calibration, measured: cost.measured });
  }
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
  persistDeviceCost();
}

/**
 * Pure: what a run's start measured, once its first point is read (the 'training' phase), from
 * the phases' times; null before that.
 */
export function startObservation(t: Training, runId: string): StartObservation | null {
  const p = t.progress[runId];
  const run = t.runs[runId];
  if (!p || !run || p.phase !== 'training') return null;
  return {
    features: featuresOf(run.config.spec),
    batch: run.config.batchSize,
    loadedAt: p.loadedAt,
    firstStepAt: p.firstStepAt,
    firstPointAt: p.elapsedSeconds,
  };
}

/** A runProgress event: the phase in the store; a first point refines the start's costs. */
export function receiveProgress(e: RunProgress): void {
  useAppStore.setState((s) => ({ training: applyProgress(s.training, e) }));
  const o = startObservation(useAppStore.getState().training, e.runId);
  if (o) setCalibration((c) => refineStart(c, o));
}

/** Call before the metrics are applied: their step times refine the device's speed. */
export function refineFromMetrics(updates: RunMetricsUpdate[]): void {
  const { observations, progress } = stepObservations(useAppStore.getState().training, updates);
  if (observations.length > 0) {
    setCalibration((c) => observations.reduce(refineCalibration, c));
  }
  useAppStore.setState((s) => ({ training: { ...s.training, progress } }));
}
