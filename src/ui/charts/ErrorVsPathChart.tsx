import {
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { memo, useCallback, useMemo } from 'react';
import { ChartFrame } from './ChartFrame';
import { toCsv } from './csv';
import { formatNumber } from './palette';
import { plainTick } from './plainTick';

export interface ErrorVsPathPoint {
  run: string;
  family: string;
  meanPathLength: number;
  testError: number;
}

// Props that never change are made once (recharts recomputes a chart for each new prop object);
// every tick shown (interval 0) so that recharts does not measure tick labels (see XYChart).
const HEIGHT = 220;
const MARGIN = { top: 8, right: 16, bottom: 18, left: 8 };
const X_DOMAIN = ['auto', 'auto'] as const;
const Y_DOMAIN_LINEAR = [0, 1] as const;
const Y_DOMAIN_LOG = ['auto', 'auto'] as const;
const X_LABEL = {
  value: 'average path length',
  position: 'insideBottom' as const,
  offset: -10,
  fill: '#444',
};
const LEGEND_STYLE = { paddingBottom: 6 };
const percentTick = (v: number) => `${formatNumber(v * 100)}%`;
const tooltipValue = (v: unknown, name: unknown) =>
  typeof v === 'number'
    ? name === 'test error'
      ? `${formatNumber(v * 100)}%`
      : formatNumber(v)
    : String(v);

/**
 * Best test error of each run against its network's average path length (Figure 6). Memoized:
 * it redraws only when its points change, not on every metrics event of a training run.
 */
export const ErrorVsPathChart = memo(function ErrorVsPathChart({
  points,
  colors,
  draw = true,
}: {
  points: readonly ErrorVsPathPoint[];
  colors: Record<string, string>;
  /** False until the chart may mount (see ChartFrame's `draw`). */
  draw?: boolean;
}) {
  const groups = useMemo(
    () =>
      [...new Set(points.map((p) => p.family))].map((f) => ({
        family: f,
        points: points.filter((p) => p.family === f),
      })),
    [points],
  );
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
      empty={points.length === 0 ? 'Runs with a test error appear here.' : null}
      draw={draw}
      height={HEIGHT}
    >
      {({ log }) => (
        <ResponsiveContainer width="100%" height={HEIGHT}>
          <ScatterChart margin={MARGIN}>
            <CartesianGrid stroke="#e3e3de" />
            <XAxis
              type="number"
              dataKey="meanPathLength"
              name="average path length"
              domain={X_DOMAIN}
              stroke="#555"
              interval={0}
              tick={plainTick}
              tickFormatter={formatNumber}
              label={X_LABEL}
            />
            <YAxis
              type="number"
              dataKey="testError"
              name="test error"
              scale={log ? 'log' : 'linear'}
              domain={log ? Y_DOMAIN_LOG : Y_DOMAIN_LINEAR}
              width={58}
              stroke="#555"
              interval={0}
              tick={plainTick}
              tickFormatter={percentTick}
            />
            <Tooltip formatter={tooltipValue} />
            <Legend verticalAlign="top" wrapperStyle={LEGEND_STYLE} />
            {groups.map((g) => (
              <Scatter
                key={g.family}
                name={g.family}
                data={g.points}
                fill={colors[g.family] ?? '#1d4e89'}
                isAnimationActive={false}
              />
            ))}
          </ScatterChart>
        </ResponsiveContainer>
      )}
    </ChartFrame>
  );
});
