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
import { ChartFrame } from './ChartFrame';
import { toCsv } from './csv';
import { formatNumber } from './palette';

export interface ErrorVsPathPoint {
  run: string;
  family: string;
  meanPathLength: number;
  testError: number;
}

/** Best test error of each run against its network's average path length (Figure 6). */
export function ErrorVsPathChart({
  points,
  colors,
}: {
  points: readonly ErrorVsPathPoint[];
  colors: Record<string, string>;
}) {
  const families = [...new Set(points.map((p) => p.family))];
  return (
    <ChartFrame
      title="Test error vs average path length (Figure 6)"
      caption="One point per run with a test error: shorter average paths, lower error for very deep networks (Section 4.3)."
      csv={() =>
        toCsv(
          ['run', 'network', 'average path length', 'best test error'],
          points.map((p) => [p.run, p.family, p.meanPathLength, p.testError]),
        )
      }
      logToggle
      testId="error-vs-path"
      empty={points.length === 0 ? 'Runs with a test error appear here.' : null}
    >
      {({ log }) => (
        <ResponsiveContainer width="100%" height={220}>
          <ScatterChart margin={{ top: 8, right: 16, bottom: 18, left: 8 }}>
            <CartesianGrid stroke="#e3e3de" />
            <XAxis
              type="number"
              dataKey="meanPathLength"
              name="average path length"
              domain={['auto', 'auto']}
              stroke="#555"
              tickFormatter={formatNumber}
              label={{
                value: 'average path length',
                position: 'insideBottom',
                offset: -10,
                fill: '#444',
              }}
            />
            <YAxis
              type="number"
              dataKey="testError"
              name="test error"
              scale={log ? 'log' : 'linear'}
              domain={log ? ['auto', 'auto'] : [0, 1]}
              width={58}
              stroke="#555"
              tickFormatter={(v: number) => `${formatNumber(v * 100)}%`}
            />
            <Tooltip
              formatter={(v, name) =>
                typeof v === 'number'
                  ? name === 'test error'
                    ? `${formatNumber(v * 100)}%`
                    : formatNumber(v)
                  : String(v)
              }
            />
            <Legend verticalAlign="top" wrapperStyle={{ paddingBottom: 6 }} />
            {families.map((f) => (
              <Scatter
                key={f}
                name={f}
                data={points.filter((p) => p.family === f)}
                fill={colors[f] ?? '#1d4e89'}
                isAnimationActive={false}
              />
            ))}
          </ScatterChart>
        </ResponsiveContainer>
      )}
    </ChartFrame>
  );
}
