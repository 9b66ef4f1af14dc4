/** Turns the training slice's runs into chart series and summary numbers (pure, tested). */
import type { RunHistory, TestPoint, TrainPoint } from '../../protocol';
import type { XYSeries } from '../charts/csv';
import { seriesColor } from '../charts/palette';

export interface RunForCharts {
  id: string;
  name: string;
  history: RunHistory;
}

export type TrainMetric = 'loss' | 'error' | 'lr' | 'imagesPerSecond';

export function trainSeries(
  runs: readonly RunForCharts[],
  metric: TrainMetric,
  suffix = '',
): XYSeries[] {
  return runs.map((r, i) => ({
    id: `${r.id}-train-${metric}`,
    label: `${r.name}${suffix}`,
    color: seriesColor(i),
    points: r.history.train.map((p: TrainPoint) => ({ x: p.epoch, y: p[metric] })),
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
    color: seriesColor(i),
    points: r.history.test.map((p: TestPoint) => ({ x: p.epoch, y: p[metric] })),
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
