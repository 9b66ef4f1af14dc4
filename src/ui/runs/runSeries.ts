/** Turns the training slice's runs into chart series and summary numbers (pure, tested). */
import type { RunHistory, TestPoint, TrainPoint } from '../../model/run';
import type { XYSeries } from '../charts/csv';
import { seriesColor } from '../charts/palette';

export interface RunForCharts {
  id: string;
  name: string;
  history: RunHistory;
  /** The run's colour slot: its place among all runs, so hiding others keeps its colour. */
  colorIndex?: number;
}

/** A run's one colour, the same in every chart, legend and the runs table. */
export function runColor(order: readonly string[], id: string): string {
  const i = order.indexOf(id);
  return seriesColor(i < 0 ? 0 : i);
}

export type TrainMetric = 'loss' | 'error' | 'lr' | 'imagesPerSecond';

type XYPoint = XYSeries['points'][number];
const pointsCache = new WeakMap<readonly object[], Map<string, XYPoint[]>>();

/**
 * A metric of a history as chart points; the same array while the history array is the same.
 * The store replaces a run's history arrays only when points arrive, so a chart redrawn for one
 * run's new points hands the unchanged runs' lines their old arrays (and recharts skips them).
 */
function pointsOf<P extends { epoch: number }>(
  history: readonly P[],
  metric: keyof P & string,
): XYPoint[] {
  let byMetric = pointsCache.get(history);
  if (!byMetric) {
    byMetric = new Map();
    pointsCache.set(history, byMetric);
  }
  let points = byMetric.get(metric);
  if (!points) {
    points = history.map((p) => ({ x: p.epoch, y: p[metric] as number }));
    byMetric.set(metric, points);
  }
  return points;
}

export function trainSeries(
  runs: readonly RunForCharts[],
  metric: TrainMetric,
  suffix = '',
): XYSeries[] {
  return runs.map((r, i) => ({
    id: `${r.id}-train-${metric}`,
    label: `${r.name}${suffix}`,
    color: seriesColor(r.colorIndex ?? i),
    points: pointsOf<TrainPoint>(r.history.train, metric),
  }));
}

export function testSeries(
  runs: readonly RunForCharts[],
  metric: 'loss' | 'error',
  suffix = '',
): XYSeries[] {
  return runs.map((r, i) => ({
    id: `${r.id}-test-${metric}`,
    label: `${r.name}${suffix}`,
    color: seriesColor(r.colorIndex ?? i),
    points: pointsOf<TestPoint>(r.history.test, metric),
  }));
}

/** The lowest test error of a run so far, or null before its first evaluation. */
export function bestTestError(history: RunHistory): number | null {
  let best: number | null = null;
  for (const p of history.test) if (best === null || p.error < best) best = p.error;
  return best;
}

/** Runs with the same name get "#2", "#3" so that legends tell them apart. */
export function distinctNames<T extends { id: string; name: string }>(runs: readonly T[]): T[] {
  const seen = new Map<string, number>();
  return runs.map((r) => {
    const n = (seen.get(r.name) ?? 0) + 1;
    seen.set(r.name, n);
    return n === 1 ? r : { ...r, name: `${r.name} #${n}` };
  });
}
