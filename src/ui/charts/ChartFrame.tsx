import { useId, useMemo, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import { chartPngBlob, chartSvg, downloadBlob, legendFromDom } from './exportChart';
import { fileNameFor } from './csv';

export interface ChartFrameProps {
  title: string;
  /** A sentence under the title: what the chart shows, where from in the paper. */
  caption?: ReactNode;
  /** The chart's data as CSV (made on demand). */
  csv: () => string;
  /** Offer a log-scale toggle; the chart reads the flag through `children`. */
  logToggle?: boolean;
  children: (opts: { log: boolean }) => ReactNode;
  testId?: string;
  /** The legend (a ChartLegend), shown between the caption and the chart. */
  legend?: ReactNode;
  /** Nothing to draw yet: this sentence is shown over the (empty) chart. */
  empty?: string | null;
  /**
   * False: the chart is not mounted yet (live charts mount one by one after the page opens);
   * the frame keeps its place and shows `empty` or a short note.
   */
  draw?: boolean;
  /**
   * The chart's height in pixels, where it is fixed: the body is then laid out and painted on
   * its own (CSS containment), so a redraw lays out and paints the chart, not the whole page.
   */
  height?: number;
  /** Points drawn (all series together): the figure's `data-points`, for tests and tools. */
  points?: number;
}

/** The sentence over an empty chart, centred on it (the chart stays mounted underneath). */
const OVERLAY: CSSProperties = {
  position: 'absolute',
  inset: 0,
  margin: 0,
  display: 'flex',
  alignItems: 'center',
  justifyContent: 'center',
  background: 'rgba(255, 255, 255, 0.9)',
};
const BODY: CSSProperties = { position: 'relative' };

/** A titled chart with a log-scale toggle and PNG, SVG and CSV export. */
export function ChartFrame({
  title,
  caption,
  csv,
  logToggle,
  children,
  testId,
  legend,
  empty,
  draw = true,
  height,
  points,
}: ChartFrameProps) {
  const [log, setLog] = useState(false);
  const [status, setStatus] = useState('');
  const ref = useRef<HTMLDivElement>(null);
  const headingId = useId();
  const logId = useId();

  // Size and layout containment, not paint: a tooltip may reach past the chart's edge.
  const body = useMemo(
    () => (height ? { ...BODY, height, contain: 'size layout style' } : BODY),
    [height],
  );
  const drawn = draw && !empty;

  const legendOf = (body: HTMLElement) => {
    const figure = body.closest('figure');
    return figure ? legendFromDom(figure) : [];
  };
  const saveSvg = () => {
    const svg = drawn && ref.current && chartSvg(ref.current, title, legendOf(ref.current));
    if (!svg) return setStatus('Nothing drawn yet to export.');
    downloadBlob(new Blob([svg.text], { type: 'image/svg+xml' }), fileNameFor(title, 'svg'));
    setStatus('Saved as SVG.');
  };
  const savePng = async () => {
    const blob =
      drawn && ref.current && (await chartPngBlob(ref.current, title, legendOf(ref.current)));
    if (!blob) return setStatus('Nothing drawn yet to export.');
    downloadBlob(blob, fileNameFor(title, 'png'));
    setStatus('Saved as PNG.');
  };
  const saveCsv = () => {
    downloadBlob(new Blob([csv()], { type: 'text/csv' }), fileNameFor(title, 'csv'));
    setStatus('Saved as CSV.');
  };

  return (
    <figure className="chart" aria-labelledby={headingId} data-testid={testId} data-points={points}>
      <div className="chart-head">
        <h3 id={headingId}>{title}</h3>
        <div className="chart-tools" role="toolbar" aria-label={`${title}: options and export`}>
          {logToggle && (
            <label htmlFor={logId} className="inline-check">
              <input
                id={logId}
                type="checkbox"
                checked={log}
                onChange={(e) => setLog(e.target.checked)}
              />
              Log scale
            </label>
          )}
          <button
            type="button"
            className="small ghost"
            onClick={() => void savePng()}
            aria-label={`Export ${title} as PNG`}
          >
            PNG
          </button>
          <button
            type="button"
            className="small ghost"
            onClick={saveSvg}
            aria-label={`Export ${title} as SVG`}
          >
            SVG
          </button>
          <button
            type="button"
            className="small ghost"
            onClick={saveCsv}
            aria-label={`Export ${title} data as CSV`}
          >
            CSV
          </button>
        </div>
      </div>
      {caption && <figcaption className="chart-caption">{caption}</figcaption>}
      {legend}
      <div ref={ref} className="chart-body" style={body}>
        {draw ? (
          <>
            {children({ log })}
            {empty && (
              <p className="chart-empty" style={OVERLAY}>
                {empty}
              </p>
            )}
          </>
        ) : (
          <p className="chart-empty">{empty ?? 'Preparing the chart…'}</p>
        )}
      </div>
      <p className="sr-only" role="status">
        {status}
      </p>
    </figure>
  );
}
