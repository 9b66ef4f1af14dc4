import { useMemo, useRef, useSyncExternalStore } from 'react';
import { isPaced, subscribePaced } from '../../state/quietMoments';
import { useAppStore } from '../../state/store';
import { setRunHidden } from '../../state/trainingActions';
import type { BlockKind } from '../../model/spec';
import { XYChart, type XYChartProps } from '../charts/XYChart';
import type { XYSeries } from '../charts/csv';
import { useThrottledValue } from '../charts/useThrottledValue';
import { useMountedAfter, useOnScreen } from '../charts/useLiveChart';
import type { TrainingRunView } from '../../state/trainingSlice';
import { ErrorVsPathChart, type ErrorVsPathPoint } from '../charts/ErrorVsPathChart';
import { familyColor, seriesColor } from '../charts/palette';
import { analysisOf } from '../../model/analysisCache';
import {
  bestTestError,
  distinctNames,
  testSeries,
  trainSeries,
  type RunForCharts,
} from './runSeries';

const FAMILY: Record<BlockKind, string> = {
  residual: 'ResNet-like',
  inception: 'DILNet-like',
  mergeAndRun: 'DMRNet-like',
  identity: 'Identity streams',
};

/** The loss and error charts beside Start: short enough to share the first screen. */
const LIVE_HEIGHT = 140;
/** How often a live chart redraws while runs train, and how far apart the charts redraw. */
const REDRAW_MS = 1000;
const STAGGER_MS = 120;
/** The charts mount, empty, one by one this long after the page opens (before any run). */
const MOUNT_MS = 300;
const MOUNT_STAGGER_MS = 200;
/** Run states in which a run trains or is about to (charts off screen wait meanwhile). */
const ACTIVE: ReadonlySet<string> = new Set(['running', 'queued']);

/**
 * What a live chart draws and when: the runs as of its last redraw (at most once per
 * REDRAW_MS, `slot` x STAGGER_MS after the others; while a run trains, only while the chart is
 * on screen, and off-screen charts catch up once no run trains), and whether its recharts chart
 * is mounted yet. `ref` goes on the element watched for being on screen.
 */
function useLiveRuns(runs: Shown, slot: number, training: boolean) {
  const ref = useRef<HTMLDivElement>(null);
  const onScreen = useOnScreen(ref);
  // On a software GPU the charts redraw in the worker's quiet moments while a run trains.
  const paced = useSyncExternalStore(subscribePaced, isPaced) && training;
  const shown = useThrottledValue(runs, REDRAW_MS, slot * STAGGER_MS, onScreen || !training, paced);
  const draw = useMountedAfter(MOUNT_MS + slot * MOUNT_STAGGER_MS);
  return { ref, shown, draw };
}

type Shown = readonly (RunForCharts & { spec: RunConfigSpec; epochs: number })[];
type RunConfigSpec = TrainingRunView['config']['spec'];

/** A line chart of the runs: what it draws, and whether it sits beside Start or further down. */
interface LineChartSpec {
  set: 'live' | 'more';
  toSeries: (runs: Shown) => XYSeries[];
  title: string;
  yLabel: string;
  testId: string;
  percent?: boolean;
}

/** The line charts in their order on the page; a chart's index is its redraw slot. */
const LINE_CHARTS: readonly LineChartSpec[] = [
  {
    set: 'live',
    toSeries: (r) => trainSeries(r, 'loss'),
    title: 'Training loss',
    yLabel: 'loss',
    testId: 'chart-loss',
  },
  {
    set: 'live',
    toSeries: (r) => [
      ...trainSeries(r, 'error', ' · train'),
      ...testSeries(r, 'error', ' · test').map((t) => ({ ...t, dashed: true })),
    ],
    title: 'Train and test error',
    yLabel: 'error',
    testId: 'chart-error',
    percent: true,
  },
  {
    set: 'more',
    toSeries: (r) => trainSeries(r, 'lr'),
    title: 'Learning rate',
    yLabel: 'lr',
    testId: 'chart-lr',
  },
  {
    set: 'more',
    toSeries: (r) => trainSeries(r, 'imagesPerSecond'),
    title: 'Images per second',
    yLabel: 'images/s',
    testId: 'chart-speed',
  },
];

/**
 * One live line chart: it reads the runs through useLiveRuns, so each chart's recharts render
 * is a main-thread task of its own and charts off screen do not redraw.
 */
function LiveXYChart({
  runs,
  slot,
  training,
  toSeries,
  ...props
}: Omit<XYChartProps, 'series'> & {
  runs: Shown;
  slot: number;
  training: boolean;
  toSeries: (runs: Shown) => XYSeries[];
}) {
  const { ref, shown, draw } = useLiveRuns(runs, slot, training);
  const series = useMemo(() => toSeries(shown), [shown, toSeries]);
  // The x axis spans the longest run's planned epochs from its start, so it stays put.
  const xMax = useMemo(() => Math.max(0, ...shown.map((r) => r.epochs)), [shown]);
  return (
    <div ref={ref} className="live-chart">
      <XYChart {...props} series={series} draw={draw} xMax={xMax} />
    </div>
  );
}

function LiveErrorVsPath({
  runs,
  slot,
  training,
}: {
  runs: Shown;
  slot: number;
  training: boolean;
}) {
  const { ref, shown, draw } = useLiveRuns(runs, slot, training);
  const { points, colors, pathLengths } = useMemo(() => {
    // Every shown run's family and path length, with a test error or not yet: the chart's
    // groups and x axis are then set before the first point arrives.
    const colors: Record<string, string> = {};
    const pathLengths: number[] = [];
    const points: ErrorVsPathPoint[] = shown.flatMap((r) => {
      const kind = r.spec.stages[0]?.blocks[0]?.kind;
      const label = kind ? FAMILY[kind] : 'network';
      colors[label] ??= familyColor(kind ?? null);
      const meanPathLength = analysisOf(r.spec).paths.withoutProjections.mean;
      pathLengths.push(meanPathLength);
      const best = bestTestError(r.history);
      if (best === null) return [];
      return [{ run: r.name, family: label, meanPathLength, testError: best }];
    });
    return { points, colors, pathLengths };
  }, [shown]);
  return (
    <div ref={ref} className="live-chart">
      <ErrorVsPathChart points={points} colors={colors} pathLengths={pathLengths} draw={draw} />
    </div>
  );
}

/**
 * Live charts of the runs, overlaid for comparison (Figure 7): loss, train and test error,
 * learning rate, images/s; and best test error against average path length (Figure 6).
 * Metrics reach the store as the worker reports them; the charts redraw from it at most once
 * a second each, in separate tasks, and only while on screen (see useLiveRuns), so the page
 * stays responsive.
 */
export function TrainingCharts({ set = 'all' }: { set?: 'live' | 'more' | 'all' }) {
  const order = useAppStore((s) => s.training.order);
  const runs = useAppStore((s) => s.training.runs);
  const hidden = useAppStore((s) => s.training.hiddenRuns);
  const all = useMemo(
    () =>
      distinctNames(
        order.flatMap((id, colorIndex) => {
          const r = runs[id];
          return r
            ? [
                {
                  id,
                  colorIndex,
                  name: r.config.name,
                  history: r.history,
                  spec: r.config.spec,
                  epochs: r.config.epochs,
                },
              ]
            : [];
        }),
      ),
    [order, runs],
  );
  const shown = useMemo(() => all.filter((r) => !hidden.includes(r.id)), [all, hidden]);
  const training = useMemo(
    () => order.some((id) => ACTIVE.has(runs[id]?.status ?? 'finished')),
    [order, runs],
  );
  const waiting = training
    ? 'Training: the first point appears after the first step.'
    : 'Start a run: its numbers appear here as it trains.';
  const live = set !== 'more';
  const more = set !== 'live';
  const height = set === 'live' ? LIVE_HEIGHT : undefined;
  return (
    <div className={`training-charts training-charts--${set}`}>
      {live && all.length > 1 && (
        <fieldset className="run-toggles">
          <legend>Runs in the charts</legend>
          {all.map((r) => (
            <label key={r.id} className="inline-check">
              <input
                type="checkbox"
                checked={!hidden.includes(r.id)}
                onChange={(e) => setRunHidden(r.id, !e.target.checked)}
              />
              <span
                className="swatch"
                style={{ background: seriesColor(r.colorIndex) }}
                aria-hidden="true"
              />
              {r.name}
            </label>
          ))}
        </fieldset>
      )}
      <div className="chart-grid">
        {LINE_CHARTS.map(
          ({ set: chartSet, ...chart }, slot) =>
            (set === 'all' || set === chartSet) && (
              <LiveXYChart
                key={chart.testId}
                {...chart}
                runs={shown}
                slot={slot}
                training={training}
                xLabel="epoch"
                emptyText={waiting}
                height={height}
              />
            ),
        )}
        {more && <LiveErrorVsPath runs={shown} slot={LINE_CHARTS.length} training={training} />}
      </div>
    </div>
  );
}
