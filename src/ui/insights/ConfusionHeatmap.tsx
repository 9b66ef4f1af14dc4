import { useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import { rowSums } from '../../model/insights';
import { cellColor } from './drawing';

/** Classes up to which the matrix is a table with its counts; beyond, a scrollable canvas. */
const TABLE_MAX_CLASSES = 20;
/** Canvas cell size in CSS pixels (100 classes: 600 px, scrolled). */
const CELL_PX = 6;

function describe(
  names: readonly string[],
  t: number,
  p: number,
  count: number,
  rowTotal: number,
): string {
  const share = rowTotal > 0 ? ` (${((count / rowTotal) * 100).toFixed(1)}% of ${rowTotal})` : '';
  return `true ${names[t]}, predicted ${names[p]}: ${count}${share}`;
}

export interface ConfusionHeatmapProps {
  confusion: Uint32Array;
  classNames: readonly string[];
  /** For people and tests: whose matrix this is. */
  label: string;
}

/**
 * The confusion matrix as a heat map: rows are the true classes, columns the predicted ones;
 * each cell coloured by its share of the row (so a class's mistakes show however many images
 * it has), its count on hover (and, in the table, in the cell).
 */
export function ConfusionHeatmap({ confusion, classNames, label }: ConfusionHeatmapProps) {
  const n = classNames.length;
  const sums = useMemo(() => rowSums(confusion, n), [confusion, n]);
  const [hover, setHover] = useState<string | null>(null);
  if (n > TABLE_MAX_CLASSES) {
    return (
      <CanvasHeatmap
        confusion={confusion}
        classNames={classNames}
        label={label}
        sums={sums}
        hover={hover}
        setHover={setHover}
      />
    );
  }
  return (
    <div className="insight-matrix">
      <table className="confusion-table" aria-label={label} data-testid="confusion-matrix">
        <thead>
          <tr>
            <th scope="col" className="confusion-corner">
              true \ predicted
            </th>
            {classNames.map((name) => (
              <th key={name} scope="col" className="confusion-col">
                <span>{name}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {classNames.map((name, t) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              {classNames.map((_, p) => {
                const count = confusion[t * n + p]!;
                const text = describe(classNames, t, p, count, sums[t]!);
                return (
                  <td
                    key={p}
                    data-true={t}
                    data-predicted={p}
                    data-count={count}
                    title={text}
                    style={{ background: cellColor(sums[t]! > 0 ? count / sums[t]! : 0, t === p) }}
                    onMouseEnter={() => setHover(text)}
                    onMouseLeave={() => setHover(null)}
                  >
                    {count > 0 ? count : ''}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint insight-hover" aria-live="polite">
        {hover ?? 'Hover a cell for its count.'}
      </p>
    </div>
  );
}

function CanvasHeatmap({
  confusion,
  classNames,
  label,
  sums,
  hover,
  setHover,
}: ConfusionHeatmapProps & {
  sums: number[];
  hover: string | null;
  setHover: (text: string | null) => void;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const n = classNames.length;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, n * CELL_PX, n * CELL_PX);
    for (let t = 0; t < n; t++) {
      for (let p = 0; p < n; p++) {
        const count = confusion[t * n + p]!;
        if (count === 0) continue;
        ctx.fillStyle = cellColor(sums[t]! > 0 ? count / sums[t]! : 0, t === p);
        ctx.fillRect(p * CELL_PX, t * CELL_PX, CELL_PX, CELL_PX);
      }
    }
  }, [confusion, n, sums]);
  const onMove = (e: MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const p = Math.floor((e.clientX - rect.left) / CELL_PX);
    const t = Math.floor((e.clientY - rect.top) / CELL_PX);
    if (t < 0 || p < 0 || t >= n || p >= n) return setHover(null);
    setHover(describe(classNames, t, p, confusion[t * n + p]!, sums[t]!));
  };
  return (
    <div className="insight-matrix">
      <div className="confusion-scroll">
        <canvas
          ref={ref}
          width={n * CELL_PX}
          height={n * CELL_PX}
          role="img"
          aria-label={`${label}: ${n} x ${n} classes, rows true, columns predicted (download the CSV for the counts)`}
          data-testid="confusion-matrix"
          onMouseMove={onMove}
          onMouseLeave={() => setHover(null)}
        />
      </div>
      <p className="hint insight-hover" aria-live="polite">
        {hover ?? 'Hover a cell for its classes and count; scroll for the rest.'}
      </p>
    </div>
  );
}
