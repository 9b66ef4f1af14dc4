/** CSV for a chart's data (RFC 4180 quoting), so the numbers behind every chart can be kept. */

export type CsvCell = string | number | null | undefined;

function cell(v: CsvCell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  // Quote fields with separators, quotes or line breaks; a leading =,+,-,@ is prefixed with
  // a quote mark so that a spreadsheet does not run it as a formula (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Series of (x, y) points as a long table: series, x, y. */
export interface XYSeries {
  id: string;
  label: string;
  color: string;
  /** Drawn dashed (test error beside train error of the same run). */
  dashed?: boolean;
  points: readonly { x: number; y: number }[];
}

export function seriesToCsv(xLabel: string, yLabel: string, series: readonly XYSeries[]): string {
  return toCsv(
    ['series', xLabel, yLabel],
    series.flatMap((s) => s.points.map((p) => [s.label, p.x, p.y])),
  );
}

/** A file name from a chart title: lower case, dashes, no odd characters. */
export function fileNameFor(title: string, ext: string): string {
  const base = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${base || 'chart'}.${ext}`;
}
