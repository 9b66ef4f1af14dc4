import { memo } from 'react';

export interface LegendEntry {
  id: string;
  label: string;
  color: string;
  /** Drawn as a dashed line (test error beside train error). */
  dashed?: boolean;
  /** A line (line charts) or a dot (scatter charts). */
  mark?: 'line' | 'dot';
}

/**
 * A chart's legend as a plain HTML list beside the chart. recharts' own legend measures itself
 * in the DOM (a forced layout) each time its chart redraws with new data, which a live chart
 * does every second while a run trains; this one renders only when the entries change.
 */
export const ChartLegend = memo(function ChartLegend({
  entries,
  label,
}: {
  entries: readonly LegendEntry[];
  label: string;
}) {
  if (entries.length === 0) return null;
  return (
    <ul className="chart-legend" aria-label={label}>
      {entries.map((e) => (
        <li key={e.id} className="chart-legend-item">
          <svg width="18" height="10" aria-hidden="true">
            {e.mark === 'dot' ? (
              <circle cx="9" cy="5" r="4" fill={e.color} />
            ) : (
              <line
                x1="1"
                y1="5"
                x2="17"
                y2="5"
                stroke={e.color}
                strokeWidth="2"
                strokeDasharray={e.dashed ? '4 3' : undefined}
              />
            )}
          </svg>
          {e.label}
        </li>
      ))}
    </ul>
  );
});
