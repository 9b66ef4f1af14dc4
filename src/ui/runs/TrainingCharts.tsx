import { useDeferredValue, useMemo, useState } from 'react';
import { useAppStore } from '../../state/store';
import type { BlockKind } from '../../model/spec';
import { XYChart } from '../charts/XYChart';
import { ErrorVsPathChart, type ErrorVsPathPoint } from '../charts/ErrorVsPathChart';
import { seriesColor } from '../charts/palette';
import { analysisOf } from '../network/useAnalysis';
import { bestTestError, distinctNames, testSeries, trainSeries } from './runSeries';

const FAMILY: Record<BlockKind, string> = {
  residual: 'ResNet-like',
  inception: 'DILNet-like',
  mergeAndRun: 'DMRNet-like',
  identity: 'Identity streams',
};

/**
 * Live charts of the runs, overlaid for comparison (Figure 7): loss, train and test error,
 * learning rate, images/s; and best test error against average path length (Figure 6).
 */
export function TrainingCharts() {
  // Deferred: React renders the charts in interruptible slices after each metrics event, so
  // the main thread never blocks on recharts while a run trains.
  const order = useDeferredValue(useAppStore((s) => s.training.order));
  const runs = useDeferredValue(useAppStore((s) => s.training.runs));
  const [hidden, setHidden] = useState<string[]>([]);
  const all = useMemo(
    () =>
      distinctNames(
        order.flatMap((id) => {
          const r = runs[id];
          return r ? [{ id, name: r.config.name, history: r.history, spec: r.config.spec }] : [];
        }),
      ),
    [order, runs],
  );
  const shown = all.filter((r) => !hidden.includes(r.id));
  const errorSeries = [
    ...trainSeries(shown, 'error', ' · train'),
    ...testSeries(shown, 'error', ' · test').map((t) => ({ ...t, dashed: true })),
  ];
  const families: Record<string, string> = {};
  const scatter: ErrorVsPathPoint[] = shown.flatMap((r) => {
    const best = bestTestError(r.history);
    if (best === null) return [];
    const kind = r.spec.stages[0]?.blocks[0]?.kind;
    const label = kind ? FAMILY[kind] : 'network';
    families[label] ??= seriesColor(Object.keys(families).length);
    return [
      {
        run: r.name,
        family: label,
        meanPathLength: analysisOf(r.spec).paths.withoutProjections.mean,
        testError: best,
      },
    ];
  });
  const waiting = 'Start a run: its numbers appear here as it trains.';
  return (
    <div className="training-charts">
      {all.length > 1 && (
        <fieldset className="run-toggles">
          <legend>Runs in the charts</legend>
          {all.map((r, i) => (
            <label key={r.id} className="inline-check">
              <input
                type="checkbox"
                checked={!hidden.includes(r.id)}
                onChange={(e) =>
                  setHidden((h) => (e.target.checked ? h.filter((x) => x !== r.id) : [...h, r.id]))
                }
              />
              <span className="swatch" style={{ background: seriesColor(i) }} aria-hidden="true" />
              {r.name}
            </label>
          ))}
        </fieldset>
      )}
      <div className="chart-grid">
        <XYChart
          title="Training loss"
          xLabel="epoch"
          yLabel="loss"
          series={trainSeries(shown, 'loss')}
          emptyText={waiting}
          testId="chart-loss"
        />
        <XYChart
          title="Train and test error"
          xLabel="epoch"
          yLabel="error"
          percent
          series={errorSeries}
          emptyText={waiting}
          testId="chart-error"
        />
        <XYChart
          title="Learning rate"
          xLabel="epoch"
          yLabel="lr"
          series={trainSeries(shown, 'lr')}
          emptyText={waiting}
          testId="chart-lr"
        />
        <XYChart
          title="Images per second"
          xLabel="epoch"
          yLabel="images/s"
          series={trainSeries(shown, 'imagesPerSecond')}
          emptyText={waiting}
          testId="chart-speed"
        />
        <ErrorVsPathChart points={scatter} colors={families} />
      </div>
    </div>
  );
}
