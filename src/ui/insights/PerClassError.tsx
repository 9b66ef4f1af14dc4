import { perClassError } from '../../model/insights';
import { formatPercent } from '../format';

export interface PerClassErrorProps {
  /** One or two matrices (a second run beside the first), with their labels. */
  runs: readonly { label: string; confusion: Uint32Array }[];
  classNames: readonly string[];
}

/** Each class's test error as a bar, one bar per run. */
export function PerClassError({ runs, classNames }: PerClassErrorProps) {
  const n = classNames.length;
  const errors = runs.map((r) => perClassError(r.confusion, n));
  return (
    <table
      className="per-class-error"
      aria-label="Per-class test error"
      data-testid="per-class-error"
    >
      <thead>
        <tr>
          <th scope="col">class</th>
          {runs.map((r, i) => (
            <th key={i} scope="col">
              {r.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {classNames.map((name, c) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            {errors.map((e, i) => {
              const v = e[c] ?? null;
              return (
                <td key={i} data-class={c} data-error={v ?? ''}>
                  <span
                    className={i === 0 ? 'error-bar' : 'error-bar error-bar--second'}
                    style={{ width: `${Math.round((v ?? 0) * 100)}%` }}
                  />
                  <span className="error-value">{formatPercent(v)}</span>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
