import { memo, useCallback, useMemo } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { ChartFrame } from './ChartFrame';
import { seriesToCsv, type XYSeries } from './csv';
import { formatNumber } from './palette';
import { plainTick } from './plainTick';
import { drawnPoints } from './thinned';

export interface XYChartProps {
  title: string;
  caption?: string;
  xLabel: string;
  yLabel: string;
  series: readonly XYSeries[];
  /** Shown over the chart while there is nothing to draw. */
  emptyText: string;
  testId?: string;
  percent?: boolean;
  height?: number;
  /** False until the chart may mount (see ChartFrame's `draw`). */
  draw?: boolean;
}

// Props that never change are made once: recharts copies each chart, axis and legend prop into
// its own store when the prop is a new object, and every such copy recomputes the chart.
// The axes show every tick of their nice scale (interval 0): with the default, recharts
// measures each tick label in the DOM on every redraw to drop overlapping ones, a forced layout
// each; five or six short numbers never overlap in these charts.
const MARGIN = { top: 8, right: 16, bottom: 18, left: 8 };
const X_DOMAIN = ['dataMin', 'dataMax'] as const;
const Y_DOMAIN_LINEAR = [0, 'auto'] as const;
const Y_DOMAIN_LOG = ['auto', 'auto'] as const;
const LEGEND_STYLE = { paddingBottom: 6 };

/** Lines over a numeric x axis, one per series (runs overlaid, as the paper's Figure 7). */
export const XYChart = memo(function XYChart({
  title,
  caption,
  xLabel,
  yLabel,
  series,
  emptyText,
  testId,
  percent,
  height = 220,
  draw = true,
}: XYChartProps) {
  const drawn = useMemo(() => series.filter((s) => s.points.length > 0), [series]);
  const fmt = useCallback(
    (v: number) => (percent ? `${formatNumber(v * 100)}%` : formatNumber(v)),
    [percent],
  );
  const tooltipValue = useCallback(
    (v: unknown) => (typeof v === 'number' ? fmt(v) : String(v)),
    [fmt],
  );
  const tooltipLabel = useCallback(
    (x: unknown) => `${xLabel} ${typeof x === 'number' ? formatNumber(x) : String(x)}`,
    [xLabel],
  );
  const xAxisLabel = useMemo(
    () => ({ value: xLabel, position: 'insideBottom' as const, offset: -10, fill: '#444' }),
    [xLabel],
  );
  const csv = useCallback(() => seriesToCsv(xLabel, yLabel, series), [xLabel, yLabel, series]);
  return (
    <ChartFrame
      title={title}
      caption={caption}
      csv={csv}
      logToggle
      testId={testId}
      empty={drawn.length === 0 ? emptyText : null}
      draw={draw}
      height={height}
    >
      {({ log }) => (
        <ResponsiveContainer width="100%" height={height}>
          <LineChart margin={MARGIN}>
            <CartesianGrid stroke="#e3e3de" />
            <XAxis
              type="number"
              dataKey="x"
              domain={X_DOMAIN}
              tickFormatter={formatNumber}
              label={xAxisLabel}
              stroke="#555"
              interval={0}
              tick={plainTick}
              allowDuplicatedCategory={false}
            />
            <YAxis
              type="number"
              scale={log ? 'log' : 'linear'}
              domain={log ? Y_DOMAIN_LOG : Y_DOMAIN_LINEAR}
              tickFormatter={fmt}
              width={58}
              stroke="#555"
              interval={0}
              tick={plainTick}
              allowDataOverflow={false}
            />
            <Tooltip formatter={tooltipValue} labelFormatter={tooltipLabel} />
            <Legend verticalAlign="top" wrapperStyle={LEGEND_STYLE} />
            {drawn.map((s) => (
              <Line
                key={s.id}
                data={drawnPoints(s.points, log)}
                dataKey="y"
                name={s.label}
                stroke={s.color}
                strokeWidth={2}
                strokeDasharray={s.dashed ? '6 4' : undefined}
                dot={s.points.length < 30}
                isAnimationActive={false}
                type="linear"
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </ChartFrame>
  );
});
