import {
  Area,
  AreaChart,
  CartesianGrid,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { ChartFrame } from './ChartFrame';
import { ChartLegend } from './ChartLegend';
import { toCsv } from './csv';
import { formatNumber } from './palette';
import { drawnRange } from './drawnRange';
import { plainTick } from './plainTick';

/**
 * The x axis's title under its ticks, as one SVG text: recharts' label is its Text component,
 * which measures the words in the DOM (a forced layout of the page) to wrap them.
 */
function AxisTitle({
  text,
  viewBox,
}: {
  text: string;
  viewBox?: { x?: number; y?: number; width?: number; height?: number };
}) {
  const { x = 0, y = 0, width = 0, height = 0 } = viewBox ?? {};
  return (
    <text x={x + width / 2} y={y + height + 10} textAnchor="middle" fill="#444">
      {text}
    </text>
  );
}

export interface PathHistogram {
  id: string;
  label: string;
  color: string;
  lengths: readonly number[];
  probabilities: readonly number[];
  mean: number;
  std: number;
}

/** Pixels of the HTML legend's one line above the plot. */
const LEGEND_HEIGHT = 21;

/** A network's name in the legend and tooltip: its label, mean and spread. */
function seriesName(h: PathHistogram): string {
  return `${h.label} (${h.mean.toFixed(1)} ± ${h.std.toFixed(1)})`;
}

export interface PathHistogramChartProps {
  histograms: readonly PathHistogram[];
  height?: number;
  title?: string;
}

/**
 * The distribution of path lengths of up to three networks, overlaid with their means (the
 * paper's Figure 3): the share of all input-to-output paths that pass through n layers.
 */
export function PathHistogramChart({
  histograms,
  height = 230,
  title = 'Path lengths (Figure 3)',
}: PathHistogramChartProps) {
  const series = histograms.map((h) => {
    const points = h.lengths.map((x, i) => ({ x, y: h.probabilities[i] ?? 0 }));
    const [from, to] = drawnRange(h.probabilities);
    return { ...h, points, linear: points.slice(from, to) };
  });
  const legend = series.map((s) => ({
    id: s.id,
    label: seriesName(s),
    color: s.color,
  }));
  return (
    <ChartFrame
      title={title}
      caption="Share of all paths from input to output with a given number of layers; lines mark each network's mean."
      csv={() =>
        toCsv(
          ['network', 'path length', 'share of paths'],
          series.flatMap((s) => s.points.map((p) => [s.label, p.x, p.y])),
        )
      }
      logToggle
      testId="path-histogram"
      // An HTML list: recharts' Legend measured itself in the DOM after each new network, a
      // forced layout of the whole page (issue 19's 1,000-block link).
      legend={<ChartLegend entries={legend} label={`${title}: legend`} />}
      empty={histograms.length === 0 ? 'No network to count paths in.' : null}
    >
      {({ log }) => (
        // The legend above took this height inside the chart when recharts drew it.
        <ResponsiveContainer width="100%" height={height - LEGEND_HEIGHT}>
          <AreaChart margin={{ top: 8, right: 16, bottom: 18, left: 8 }}>
            <CartesianGrid stroke="#e3e3de" />
            <XAxis
              type="number"
              dataKey="x"
              domain={[0, 'dataMax']}
              allowDecimals={false}
              // Every nice tick drawn (about five): the default thinning measures each label in
              // the DOM, which forces a layout of the whole page in the middle of a render.
              interval={0}
              stroke="#555"
              tick={plainTick}
              label={<AxisTitle text="path length (layers)" />}
              allowDuplicatedCategory={false}
            />
            <YAxis
              type="number"
              scale={log ? 'log' : 'linear'}
              domain={log ? ['auto', 'auto'] : [0, 'auto']}
              tickFormatter={(v: number) => formatNumber(v)}
              width={58}
              interval={0}
              tick={plainTick}
              stroke="#555"
              allowDataOverflow
            />
            <Tooltip
              formatter={(v) =>
                typeof v === 'number' ? `${formatNumber(v * 100)}% of paths` : String(v)
              }
              labelFormatter={(x) => `length ${String(x)}`}
            />
            {series.map((s) => (
              <Area
                key={s.id}
                data={log ? s.points.filter((p) => p.y > 0) : s.linear}
                dataKey="y"
                name={seriesName(s)}
                stroke={s.color}
                fill={s.color}
                fillOpacity={0.12}
                strokeWidth={2}
                type="monotone"
                isAnimationActive={false}
              />
            ))}
            {series.map((s) => (
              <ReferenceLine
                key={`${s.id}-mean`}
                x={s.mean}
                stroke={s.color}
                strokeDasharray="4 3"
                ifOverflow="extendDomain"
              />
            ))}
          </AreaChart>
        </ResponsiveContainer>
      )}
    </ChartFrame>
  );
}
