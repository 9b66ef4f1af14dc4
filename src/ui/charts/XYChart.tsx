import { memo } from 'react';
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
import { thinned } from './thinned';

export interface XYChartProps {
  title: string;
  caption?: string;
  xLabel: string;
  yLabel: string;
  series: readonly XYSeries[];
  /** Shown instead of the chart while there is nothing to draw. */
  emptyText: string;
  testId?: string;
  percent?: boolean;
  height?: number;
}

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
}: XYChartProps) {
  const drawn = series.filter((s) => s.points.length > 0);
  const fmt = (v: number) => (percent ? `${formatNumber(v * 100)}%` : formatNumber(v));
  return (
    <ChartFrame
      title={title}
      caption={caption}
      csv={() => seriesToCsv(xLabel, yLabel, series)}
      logToggle
      testId={testId}
      empty={drawn.length === 0 ? emptyText : null}
    >
      {({ log }) => (
        <ResponsiveContainer width="100%" height={height}>
          <LineChart margin={{ top: 8, right: 16, bottom: 18, left: 8 }}>
            <CartesianGrid stroke="#e3e3de" />
            <XAxis
              type="number"
              dataKey="x"
              domain={['dataMin', 'dataMax']}
              tickFormatter={formatNumber}
              label={{ value: xLabel, position: 'insideBottom', offset: -10, fill: '#444' }}
              stroke="#555"
              allowDuplicatedCategory={false}
            />
            <YAxis
              type="number"
              scale={log ? 'log' : 'linear'}
              domain={log ? ['auto', 'auto'] : [0, 'auto']}
              tickFormatter={fmt}
              width={58}
              stroke="#555"
              allowDataOverflow={false}
            />
            <Tooltip
              formatter={(v) => (typeof v === 'number' ? fmt(v) : String(v))}
              labelFormatter={(x) =>
                `${xLabel} ${typeof x === 'number' ? formatNumber(x) : String(x)}`
              }
            />
            <Legend verticalAlign="top" wrapperStyle={{ paddingBottom: 6 }} />
            {drawn.map((s) => (
              <Line
                key={s.id}
                data={thinned(log ? s.points.filter((p) => p.y > 0) : s.points)}
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
