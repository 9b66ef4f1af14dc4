import type { NetworkSpec } from '../../model/spec';
import { formatBytes, formatCount, formatShort } from '../format';
import { useAnalysis } from './useAnalysis';

/** The model core's numbers for the current network, updated on every change. */
export function NetworkStats({ spec, batch }: { spec: NetworkSpec; batch: number }) {
  const a = useAnalysis(spec, batch);
  const p = a.paths.withoutProjections;
  return (
    <>
      <dl className="stats" data-testid="network-stats" aria-live="polite">
        <div>
          <dt>Parameters</dt>
          <dd data-testid="stat-params" data-value={a.params}>
            {formatCount(a.params)}
          </dd>
        </div>
        <div>
          <dt>Actual depth</dt>
          <dd data-testid="stat-actual-depth">{a.actualDepth}</dd>
        </div>
        <div>
          <dt>Plain depth</dt>
          <dd data-testid="stat-plain-depth">{a.plainDepth}</dd>
        </div>
        <div>
          <dt>Multiply-adds / image</dt>
          <dd data-testid="stat-macs" data-value={a.multiplyAdds}>
            {formatShort(a.multiplyAdds)}
          </dd>
        </div>
        <div>
          <dt>Training memory (batch {a.batch})</dt>
          <dd data-testid="stat-memory">{formatBytes(a.activationBytes + a.weightBytes)}</dd>
        </div>
        <div>
          <dt>Average path length</dt>
          <dd data-testid="stat-mean-path">
            {p.mean.toFixed(2)} ± {p.std.toFixed(2)}
          </dd>
        </div>
        <div>
          <dt>Paper's formula</dt>
          <dd data-testid="stat-paper-mean" title={a.paths.paperFormula}>
            {a.paths.paperMean.toFixed(2)}
          </dd>
        </div>
        <div>
          <dt>L (Table 2 / Section 3.2)</dt>
          <dd>
            {a.tableL} / {a.sectionL}
          </dd>
        </div>
      </dl>
      {a.paths.explanation && <p className="stats-note">{a.paths.explanation}</p>}
    </>
  );
}
