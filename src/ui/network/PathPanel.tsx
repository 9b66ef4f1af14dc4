import { memo, useDeferredValue } from 'react';
import type { PinnedNetwork } from '../../state/editorSlice';
import { useAppStore } from '../../state/store';
import { pinCurrent, unpin, MAX_PINNED } from '../../state/editorActions';
import { PathHistogramChart, type PathHistogram } from '../charts/PathHistogramChart';
import { familyColor, familyOf, seriesColor } from '../charts/palette';
import { analysisOf } from '../../model/analysisCache';
import type { NetworkSpec } from '../../model/spec';

/** The family's colour, or a series colour where an earlier network took it. */
function histogramOf(
  id: string,
  label: string,
  spec: NetworkSpec,
  i: number,
  taken: Set<string>,
): PathHistogram {
  const p = analysisOf(spec).paths.withoutProjections;
  let color = familyColor(familyOf(spec));
  if (taken.has(color)) color = seriesColor(i + 1);
  taken.add(color);
  return {
    id,
    label,
    color,
    lengths: p.lengths,
    probabilities: p.probabilities,
    mean: p.mean,
    std: p.std,
  };
}

/** Figure 3: the current network's path lengths, overlaid with up to two pinned networks. */
export function PathPanel({ height }: { height?: number }) {
  // Deferred: the counts commit first, the chart follows in the next render (React's
  // useDeferredValue), so a slider never waits for recharts; memo keeps the urgent render
  // from redrawing the chart with the old network.
  const spec = useDeferredValue(useAppStore((s) => s.editor.spec));
  const pinned = useAppStore((s) => s.editor.pinned);
  return <PathPanelView spec={spec} pinned={pinned} height={height} />;
}

const PathPanelView = memo(function PathPanelView({
  spec,
  pinned,
  height,
}: {
  spec: NetworkSpec;
  pinned: readonly PinnedNetwork[];
  height: number | undefined;
}) {
  const a = analysisOf(spec);
  const taken = new Set<string>();
  const histograms = [
    histogramOf('current', `${spec.name} (current)`, spec, 0, taken),
    ...pinned.map((p, i) => histogramOf(p.id, p.label, p.spec, i + 1, taken)),
  ];
  return (
    <div className="path-panel">
      <PathHistogramChart histograms={histograms} height={height} />
      <p className="hint" data-testid="path-formula">
        Exact mean {a.paths.withoutProjections.mean.toFixed(2)}; the paper's formula{' '}
        {a.paths.paperFormula} gives {a.paths.paperMean.toFixed(2)}.
        {a.paths.explanation ? ` ${a.paths.explanation}` : ''}
      </p>
      <div className="pin-row">
        <button
          type="button"
          className="small"
          onClick={() => pinCurrent(spec.name)}
          aria-label="Pin this network for comparison in the path-length chart"
        >
          Pin for comparison
        </button>
        <span className="muted">
          {pinned.length}/{MAX_PINNED} pinned
        </span>
        {pinned.map((p) => (
          <button
            key={p.id}
            type="button"
            className="small ghost"
            onClick={() => unpin(p.id)}
            aria-label={`Unpin ${p.label}`}
          >
            {p.label} ×
          </button>
        ))}
      </div>
    </div>
  );
});
