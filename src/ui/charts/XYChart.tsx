import { memo, useCallback, useMemo } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { ChartFrame } from './ChartFrame';
import { ChartLegend, type LegendEntry } from './ChartLegend';
import { seriesToCsv, type XYSeries } from './csv';
import { logAxis, zeroBasedAxis, type AxisScale } from './niceAxis';
import { formatNumber } from './palette';
import { plainTick } from './plainTick';
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

// Props that never change are made once: recharts copies each chart, axis and legend prop into
// its own store when the prop is a new object, and every such copy recomputes the chart.
// The axes get their domain and ticks from us (niceAxis), unchanged while new points stay
// inside them, so a redraw recomputes only the lines; every tick is shown (interval 0): with the
// default, recharts measures each tick label in the DOM to drop overlapping ones.
const MARGIN = { top: 8, right: 16, bottom: 18, left: 8 };

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
  xMax,
}: XYChartProps) {
  const hasPoints = series.some((s) => s.points.length > 0);
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

type AxisLabel = { value: string; position: 'insideBottom'; offset: number; fill: string };

/**
 * The recharts chart in two layers of the same size: the axes and grid (with no data, so a
 * redraw that only adds points leaves them alone) and over them the lines with their tooltip
 * (axes hidden, the same domains, the margins moved in by the axes' size so the plot areas
 * match). recharts recomputes and re-renders a whole chart when a line's data changes, axes and
 * tick labels included; split like this, a live redraw costs about half the main-thread time.
 */
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
    <div className="plot-layers" style={{ height }}>
      <AxesLayer x={x} y={y} log={log} height={height} xAxisLabel={xAxisLabel} fmt={fmt} />
      <div className="plot-layer">
        <LinesLayer
          series={series}
          x={x}
          y={y}
          log={log}
          height={height}
          tooltipValue={tooltipValue}
          tooltipLabel={tooltipLabel}
        />
      </div>
    </div>
  );
}

/** recharts' default height of an x axis: the lines layer's bottom margin makes room for it. */
const X_AXIS_HEIGHT = 30;
const Y_AXIS_WIDTH = 58;
/** The lines layer's plot area, the same as the axes layer's (its axes are hidden). */
const LINES_MARGIN = {
  top: MARGIN.top,
  right: MARGIN.right,
  bottom: MARGIN.bottom + X_AXIS_HEIGHT,
  left: MARGIN.left + Y_AXIS_WIDTH,
};

const AxesLayer = memo(function AxesLayer({
  x,
  y,
  log,
  height,
  xAxisLabel,
  fmt,
}: {
  x: AxisScale;
  y: AxisScale;
  log: boolean;
  height: number;
  xAxisLabel: AxisLabel;
  fmt: (v: number) => string;
}) {
  return (
    <ResponsiveContainer width="100%" height={height}>
      <LineChart margin={MARGIN}>
        <CartesianGrid stroke="#e3e3de" />
        <XAxis
          type="number"
          dataKey="x"
          domain={x.domain}
          ticks={x.ticks}
          allowDataOverflow
          tickFormatter={formatNumber}
          label={xAxisLabel}
          stroke="#555"
          interval={0}
          tick={plainTick}
          height={X_AXIS_HEIGHT}
        />
        <YAxis
          type="number"
          scale={log ? 'log' : 'linear'}
          domain={y.domain}
          ticks={y.ticks}
          allowDataOverflow
          tickFormatter={fmt}
          width={Y_AXIS_WIDTH}
          stroke="#555"
          interval={0}
          tick={plainTick}
        />
      </LineChart>
    </ResponsiveContainer>
  );
});

const LinesLayer = memo(function LinesLayer({
  series,
  x,
  y,
  log,
  height,
  tooltipValue,
  tooltipLabel,
}: {
  series: readonly XYSeries[];
  x: AxisScale;
  y: AxisScale;
  log: boolean;
  height: number;
  tooltipValue: (v: unknown) => string;
  tooltipLabel: (x: unknown) => string;
}) {
  return (
    <ResponsiveContainer width="100%" height={height}>
      <LineChart margin={LINES_MARGIN}>
        {/* No allowDataOverflow here: the domains hold every point anyway, and without it
            recharts does not clip the lines (the dots at the plot's edges stay whole). */}
        <XAxis type="number" dataKey="x" domain={x.domain} hide />
        <YAxis type="number" scale={log ? 'log' : 'linear'} domain={y.domain} hide />
        <Tooltip formatter={tooltipValue} labelFormatter={tooltipLabel} />
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
