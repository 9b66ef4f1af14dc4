import { useCallback } from 'react';
import { useAppStore } from '../../state/store';
import { selectBlock, toggleExpanded } from '../../state/editorActions';
import { NetworkGraph } from '../graph/NetworkGraph';
import type { GraphGroup } from '../graph/graphLayout';

/** The current network drawn like Figure 2, with a legend of the symbols. */
export function GraphPanel() {
  const spec = useAppStore((s) => s.editor.spec);
  const expanded = useAppStore((s) => s.editor.expanded);
  const selected = useAppStore((s) => s.editor.selected);
  const onSelect = useCallback((g: GraphGroup) => {
    if (!g.collapsed) selectBlock({ stage: g.stage, index: g.start });
  }, []);
  return (
    <div className="graph-panel">
      <NetworkGraph
        spec={spec}
        expanded={expanded}
        selectedKey={selected ? `${selected.stage}:${selected.index}` : null}
        onToggleRun={toggleExpanded}
        onSelect={onSelect}
      />
      <ul className="graph-legend" aria-label="Symbols of the drawing">
        <li>
          <svg width="16" height="18" aria-hidden="true">
            <rect x="2" y="2" width="11" height="14" className="g-conv" />
          </svg>
          conv 3×3 + BN
        </li>
        <li>
          <svg width="16" height="18" aria-hidden="true">
            <path d="M2 2 L13 5 L13 13 L2 16 Z" className="g-conv g-conv--down" />
          </svg>
          downsampling (stride 2)
        </li>
        <li>
          <svg width="28" height="10" aria-hidden="true">
            <path d="M0 5 H28" className="g-wire g-wire--projection" />
          </svg>
          1×1 projection shortcut
        </li>
        <li>
          <span className="legend-node">M</span> merge: average of the streams (Eq. 3)
        </li>
        <li>
          <span className="legend-node">+</span> sum, then ReLU
        </li>
        <li>
          <span className="legend-count">× n</span> n identical blocks: click to expand
        </li>
      </ul>
    </div>
  );
}
