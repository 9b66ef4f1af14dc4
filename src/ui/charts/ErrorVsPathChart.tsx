import { ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { memo, useCallback, useMemo } from 'react';
import { ChartFrame } from './ChartFrame';
import { ChartLegend, type LegendEntry } from './ChartLegend';
import { toCsv } from './csv';
import { logAxis, rangeAxis, zeroBasedAxis } from './niceAxis';
import { formatNumber } from './palette';
import { PlotLayers } from './PlotLayers';
import { DATA_MARGIN } from './plotMargins';
import { useStableAxis } from './useStableAxis';

export interface ErrorVsPathPoint {
  run: string;
  family: string;
  meanPathLength: number;
  testError: number;
}

// Props that never change are made once (recharts recomputes a chart for each new prop object);
// axes from niceAxis, drawn in a layer of their own (PlotLayers), as in XYChart.
const HEIGHT = 220;
const Y_LINEAR = zeroBasedAxis(1);
const DEFAULT_COLOR = '#1d4e89';
const X_LABEL = {
  value: 'average path length',
  position: 'insideBottom' as const,
  offset: -10,
  fill: '#444',
};
const percentTick = (v: number) => `${formatNumber(v * 100)}%`;

/**
 * Best test error of each run against its network's average path length (Figure 6). Memoized:
 * it redraws only when its points change, not on every metrics event of a training run.
 */
export const ErrorVsPathChart = memo(function ErrorVsPathChart({
  points,
  colors,
  pathLengths = [],
  draw = true,
}: {
  points: readonly ErrorVsPathPoint[];
  /** A colour for each family drawn, points or not yet (each has its Scatter from the start). */
  colors: Record<string, string>;
  /** Average path lengths the x axis covers besides the points' (runs without a test error yet). */
  pathLengths?: readonly number[];
  /** False until the chart may mount (see ChartFrame's `draw`). */
  draw?: boolean;
}) {
  const groups = useMemo(
    () =>
      [...new Set([...Object.keys(colors), ...points.map((p) => p.family)])].map((f) => ({
        family: f,
        points: points.filter((p) => p.family === f),
      })),
    [points, colors],
  );
  const legend = useMemo(
    () =>
      groups.map((g): LegendEntry => ({
        id: g.family,
        label: g.family,
        color: colors[g.family] ?? DEFAULT_COLOR,
        mark: 'dot',
      })),
    [groups, colors],
  );
  const lengths = useMemo(
    () => [...pathLengths, ...points.map((p) => p.meanPathLength)],
    [pathLengths, points],
  );
  const x = useStableAxis(rangeAxis(Math.min(...lengths), Math.max(...lengths)));
  const errors = points.map((p) => p.testError);
  const yLog = useStableAxis(logAxis(Math.min(...errors), Math.max(...errors)));
  const csv = useCallback(
    () =>
      toCsv(
        ['run', 'network', 'average path length', 'best test error'],
        points.map((p) => [p.run, p.family, p.meanPathLength, p.testError]),
      ),
    [points],
  );
  return (
    <ChartFrame
      title="Test error vs average path length (Figure 6)"
      caption="One point per run with a test error: shorter average paths, lower error for very deep networks (Section 4.3)."
      csv={csv}
      logToggle
      testId="error-vs-path"
      legend={<ChartLegend entries={legend} label="Test error vs average path length: legend" />}
      empty={points.length === 0 ? 'Runs with a test error appear here.' : null}
      draw={draw}
      height={HEIGHT}
    >
      {({ log }) => {
        const y = log ? yLog : Y_LINEAR;
        return (
          <PlotLayers
            height={HEIGHT}
            x={x}
            y={y}
            log={log}
            xLabel={X_LABEL}
            xFormat={formatNumber}
            yFormat={percentTick}
            data={(tooltip) => (
              <ResponsiveContainer width="100%" height={HEIGHT}>
                <ScatterChart margin={DATA_MARGIN}>
                  <XAxis
                    type="number"
                    dataKey="meanPathLength"
                    name="average path length"
                    domain={x.domain}
                    hide
                  />
                  <YAxis
                    type="number"
                    dataKey="testError"
                    name="test error"
                    scale={log ? 'log' : 'linear'}
                    domain={y.domain}
                    hide
                  />
                  {tooltip && (
                    <Tooltip
                      allowEscapeViewBox={ESCAPE}
                      wrapperStyle={TOOLTIP_WRAPPER}
                      content={RunPointTooltip}
                    />
                  )}
                  {groups.map((g) => (
                    <Scatter
                      key={g.family}
                      name={g.family}
                      data={g.points}
                      fill={colors[g.family] ?? DEFAULT_COLOR}
                      isAnimationActive={false}
                    />
                  ))}
                </ScatterChart>
              </ResponsiveContainer>
            )}
          />
        );
      }}
    </ChartFrame>
  );
});

const ESCAPE = { x: false, y: true };
const TOOLTIP_WRAPPER = { zIndex: 5 };

/** A point's tooltip names its run (several runs may share a family and a path length). */
function RunPointTooltip({
  active,
  payload,
}: {
  active?: boolean;
  payload?: readonly { payload?: unknown }[];
}) {
  const p = payload?.[0]?.payload as ErrorVsPathPoint | undefined;
  if (!active || !p) return null;
  return (
    <div className="chart-tooltip" data-testid="error-vs-path-tooltip">
      <strong>{p.run}</strong> ({p.family})
      <br />
      average path length {formatNumber(p.meanPathLength)}, best test error{' '}
      {formatNumber(p.testError * 100)}%
    </div>
  );
}
