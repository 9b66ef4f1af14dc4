import { memo, useState, type ReactNode } from 'react';
import { CartesianGrid, LineChart, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import type { AxisScale } from './niceAxis';
import { MARGIN, X_AXIS_HEIGHT, Y_AXIS_WIDTH, type AxisLabel } from './plotMargins';
import { plainTick } from './plainTick';

/**
 * A recharts chart drawn in two layers of the same size: the axes and grid (a chart with no
 * data, so a redraw that only adds points leaves them alone) and over them the data with its
 * tooltip (a chart whose axes are hidden, with the same domains and its margins moved in by the
 * axes' size, so the plot areas match). recharts recomputes and re-renders a whole chart when
 * its data changes, axes and tick labels included; split like this, a live redraw costs about
 * half the main-thread time. The axes' domains and ticks come from niceAxis.
 */

const AxesLayer = memo(function AxesLayer({
  x,
  y,
  log,
  height,
  xLabel,
  xFormat,
  yFormat,
}: {
  x: AxisScale;
  y: AxisScale;
  log: boolean;
  height: number;
  xLabel: AxisLabel;
  xFormat: (v: number) => string;
  yFormat: (v: number) => string;
}) {
  // Every tick is shown (interval 0): with the default, recharts measures each tick label in
  // the DOM to drop overlapping ones.
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
          tickFormatter={xFormat}
          label={xLabel}
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
          tickFormatter={yFormat}
          width={Y_AXIS_WIDTH}
          stroke="#555"
          interval={0}
          tick={plainTick}
        />
      </LineChart>
    </ResponsiveContainer>
  );
});

/**
 * The two layers: the axes (`x`, `y`: from niceAxis, kept the same object while unchanged) and
 * `data`, which draws the data layer; its argument says whether to mount the tooltip: only
 * while the pointer or keyboard focus is on the chart, since recharts redoes a mounted
 * tooltip's work on every redraw, which nobody sees while nobody points at the chart.
 */
export function PlotLayers({
  height,
  x,
  y,
  log,
  xLabel,
  xFormat,
  yFormat,
  data,
}: {
  height: number;
  x: AxisScale;
  y: AxisScale;
  log: boolean;
  xLabel: AxisLabel;
  xFormat: (v: number) => string;
  yFormat: (v: number) => string;
  data: (tooltip: boolean) => ReactNode;
}) {
  const [pointed, setPointed] = useState(false);
  const [focused, setFocused] = useState(false);
  return (
    <div
      className="plot-layers"
      style={{ height }}
      onPointerEnter={() => setPointed(true)}
      onPointerLeave={() => setPointed(false)}
      onFocus={() => setFocused(true)}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setFocused(false);
      }}
    >
      <AxesLayer
        x={x}
        y={y}
        log={log}
        height={height}
        xLabel={xLabel}
        xFormat={xFormat}
        yFormat={yFormat}
      />
      <div className="plot-layer">{data(pointed || focused)}</div>
    </div>
  );
}
