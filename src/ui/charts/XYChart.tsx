import { memo, useCallback, useMemo } from 'react';
import { Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFrame } from './ChartFrame';
import { ChartLegend, type LegendEntry } from './ChartLegend';
import { seriesToCsv, type XYSeries } from './csv';
import { logAxis, zeroBasedAxis, type AxisScale } from './niceAxis';
import { formatNumber } from './palette';
import { PlotLayers } from './PlotLayers';
import { DATA_MARGIN, type AxisLabel } from './plotMargins';
import { drawnPoints } from './thinned';
import { useStableAxis } from './useStableAxis';

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
  /**
   * Where the x axis ends at least (a live chart: the planned length of its longest run), so
   * that it stays put while points arrive. The x axis starts at 0.
   */
  xMax?: number;
}

/** The largest x, and the smallest and largest y (positive y only, for a log axis). */
function extent(series: readonly XYSeries[], log: boolean) {
  let xMax = 0;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const s of series) {
    for (const p of s.points) {
      if (log && !(p.y > 0)) continue;
      if (p.x > xMax) xMax = p.x;
      if (p.y < yMin) yMin = p.y;
      if (p.y > yMax) yMax = p.y;
    }
  }
  return { xMax, yMin, yMax };
}

/**
 * Lines over a numeric x axis, one per series (runs overlaid, as the paper's Figure 7). Props
 * handed to recharts keep their identity while unchanged (recharts recomputes a chart for each
 * new prop object); the axes come from niceAxis, unchanged while new points stay inside them.
 */
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
  xMax,
}: XYChartProps) {
  const pointCount = series.reduce((n, s) => n + s.points.length, 0);
  const hasPoints = pointCount > 0;
  const legend = useMemo(
    () =>
      series.map((s): LegendEntry => ({
        id: s.id,
        label: s.label,
        color: s.color,
        dashed: s.dashed,
      })),
    [series],
  );
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
    (): AxisLabel => ({ value: xLabel, position: 'insideBottom', offset: -10, fill: '#444' }),
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
      legend={<ChartLegend entries={legend} label={`${title}: legend`} />}
      empty={hasPoints ? null : emptyText}
      draw={draw}
      height={height}
      points={pointCount}
    >
      {({ log }) => (
        <Plot
          series={series}
          log={log}
          xMax={xMax}
          height={height}
          xAxisLabel={xAxisLabel}
          fmt={fmt}
          tooltipValue={tooltipValue}
          tooltipLabel={tooltipLabel}
        />
      )}
    </ChartFrame>
  );
});

/** The axes and grid below, the lines over them (see PlotLayers). */
function Plot({
  series,
  log,
  xMax,
  height,
  xAxisLabel,
  fmt,
  tooltipValue,
  tooltipLabel,
}: {
  series: readonly XYSeries[];
  log: boolean;
  xMax: number | undefined;
  height: number;
  xAxisLabel: AxisLabel;
  fmt: (v: number) => string;
  tooltipValue: (v: unknown) => string;
  tooltipLabel: (x: unknown) => string;
}) {
  const range = useMemo(() => extent(series, log), [series, log]);
  const x = useStableAxis(zeroBasedAxis(Math.max(range.xMax, xMax ?? 0)));
  const y = useStableAxis(log ? logAxis(range.yMin, range.yMax) : zeroBasedAxis(range.yMax));
  return (
    <PlotLayers
      height={height}
      x={x}
      y={y}
      log={log}
      xLabel={xAxisLabel}
      xFormat={formatNumber}
      yFormat={fmt}
      data={(tooltip) => (
        <LinesLayer
          series={series}
          x={x}
          y={y}
          log={log}
          height={height}
          tooltip={tooltip}
          tooltipValue={tooltipValue}
          tooltipLabel={tooltipLabel}
        />
      )}
    />
  );
}

const LinesLayer = memo(function LinesLayer({
  series,
  x,
  y,
  log,
  height,
  tooltip,
  tooltipValue,
  tooltipLabel,
}: {
  series: readonly XYSeries[];
  x: AxisScale;
  y: AxisScale;
  log: boolean;
  height: number;
  tooltip: boolean;
  tooltipValue: (v: unknown) => string;
  tooltipLabel: (x: unknown) => string;
}) {
  return (
    <ResponsiveContainer width="100%" height={height}>
      <LineChart margin={DATA_MARGIN}>
        {/* No allowDataOverflow here: the domains hold every point anyway, and without it
            recharts does not clip the lines (the dots at the plot's edges stay whole). */}
        <XAxis type="number" dataKey="x" domain={x.domain} hide />
        <YAxis type="number" scale={log ? 'log' : 'linear'} domain={y.domain} hide />
        {tooltip && (
          <Tooltip
            formatter={tooltipValue}
            labelFormatter={tooltipLabel}
            allowEscapeViewBox={ESCAPE_Y}
            wrapperStyle={TOOLTIP_WRAPPER}
          />
        )}
        {/* Every series has its line from the start, even before its first point: a line
            mounting costs several times a redraw. */}
        {series.map((s) => (
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
  );
});

/** Tooltips may leave the plot downwards and upwards rather than be cut at its edge. */
const ESCAPE_Y = { x: false, y: true };
const TOOLTIP_WRAPPER = { zIndex: 5 };
