import { useId, useState } from 'react';
import { isIdempotent, matrixPower, mergeMatrix, type Matrix } from '../../model/mergeMatrix';

function fraction(v: number, k: number): string {
  const num = v * k;
  if (Math.abs(num - Math.round(num)) < 1e-9) {
    const n = Math.round(num);
    return n === k ? '1' : n === 0 ? '0' : `${n}/${k}`;
  }
  return v.toPrecision(4);
}

function MatrixTable({ m, k, caption }: { m: Matrix; k: number; caption: string }) {
  return (
    <table className="matrix">
      <caption>{caption}</caption>
      <tbody>
        {m.map((row, i) => (
          <tr key={i}>
            {row.map((v, j) => (
              <td key={j}>
                {fraction(v, k)}
                <span className="matrix-i">I</span>
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Section 3.2 and Section 5: M (K x K blocks of I/K) is idempotent, M^n = M, so however many
 * merges a signal passes, it is mixed once; summing without averaging (all blocks I) is not:
 * its powers grow as K^(n-1).
 */
export function MatrixView() {
  const [k, setK] = useState(2);
  const [n, setN] = useState(3);
  const [average, setAverage] = useState(true);
  const ids = { k: useId(), n: useId(), avg: useId() };
  const m = average ? mergeMatrix(k) : mergeMatrix(k).map((r) => r.map(() => 1));
  const mn = matrixPower(m, n);
  const idem = isIdempotent(m, { maxPower: Math.max(2, n) });
  return (
    <div className="matrix-view">
      <div className="controls-row">
        <div className="field">
          <label htmlFor={ids.k}>K streams</label>
          <select id={ids.k} value={k} onChange={(e) => setK(Number(e.target.value))}>
            {[2, 3, 4].map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </div>
        <div className="field field--slider">
          <label htmlFor={ids.n}>
            Power n <output htmlFor={ids.n}>{n}</output>
          </label>
          <input
            id={ids.n}
            type="range"
            min={1}
            max={10}
            value={n}
            onChange={(e) => setN(Number(e.target.value))}
          />
        </div>
        <label className="inline-check" htmlFor={ids.avg}>
          <input
            id={ids.avg}
            type="checkbox"
            checked={average}
            onChange={(e) => setAverage(e.target.checked)}
          />
          Average (merge-and-run); off: plain sum
        </label>
      </div>
      <div className="matrix-pair">
        <MatrixTable m={m} k={k} caption="M" />
        <span className="matrix-eq" aria-hidden="true">
          →
        </span>
        <MatrixTable m={mn} k={k} caption={`M^${n}`} />
      </div>
      <p className="big-claim" role="status" data-testid="idempotent-claim">
        {idem
          ? `M^${n} = M: the merge-and-run matrix is idempotent. Stacking merges mixes the streams once; it never amplifies them.`
          : `M^${n} ≠ M: without the average, every entry grows to ${k}^${n - 1} = ${k ** (n - 1)}. That matrix is not idempotent.`}
      </p>
    </div>
  );
}
