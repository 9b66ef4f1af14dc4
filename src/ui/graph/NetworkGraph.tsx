import { memo, useMemo } from 'react';
import type { NetworkSpec } from '../../model/spec';
import { layoutNetwork, type GraphGroup, type GraphItem } from './graphLayout';

function convPath(x: number, y: number, w: number, h: number, down: boolean): string {
  // Downsampling layers are trapezoids, as in the paper's Figure 2.
  const inset = down ? h * 0.22 : 0;
  return `M${x} ${y} L${x + w} ${y + inset} L${x + w} ${y + h - inset} L${x} ${y + h} Z`;
}

function Item({ item }: { item: Drawn }) {
  switch (item.type) {
    case 'wire':
      return <path d={item.d} className={`g-wire g-wire--${item.kind}`} />;
    case 'convs':
      return <path d={item.d} className={item.down ? 'g-conv g-conv--down' : 'g-conv'} />;
    case 'box':
      return (
        <g className="g-box">
          <rect x={item.x} y={item.y} width={item.w} height={item.h} rx={5} />
          <text x={item.x + item.w / 2} y={item.y + item.h / 2 + 4} textAnchor="middle">
            {item.label}
          </text>
          <title>{item.title}</title>
        </g>
      );
    case 'node':
      return (
        <g className={`g-node g-node--${item.op}`}>
          <circle cx={item.x} cy={item.y} r={item.r} />
          <text x={item.x} y={item.y + 4} textAnchor="middle">
            {item.op === 'sum' ? '+' : item.op === 'merge' ? 'M' : 'ā'}
          </text>
          <title>{item.title}</title>
        </g>
      );
    case 'label':
      return (
        <text
          x={item.x}
          y={item.y}
          textAnchor={item.anchor}
          className={`g-label g-label--${item.tone}`}
        >
          {item.text}
        </text>
      );
  }
}

/** What NetworkGraph draws: the layout's items, consecutive conv layers joined. */
type Drawn = Exclude<GraphItem, { type: 'conv' }> | { type: 'convs'; d: string; down: boolean };

/**
 * The layout's items in their drawing order, each run of consecutive conv layers (a block's
 * branches) as one path of closed subpaths, which looks as the separate shapes did (same fill
 * and stroke; they do not overlap): 5 x 200 blocks of K = 8, B = 8 drew 640 layers with their
 * titles as 1,280 elements, now 16. The layers lie under their block's click target, which
 * names the block, so their own titles never showed on hover. Wires stay one path each:
 * several run along the same line (a merge's K wires), and as one path they would look lighter.
 */
function drawingOf(items: readonly GraphItem[]): Drawn[] {
  const out: Drawn[] = [];
  for (const item of items) {
    if (item.type !== 'conv') {
      out.push(item);
      continue;
    }
    const d = convPath(item.x, item.y, item.w, item.h, item.down);
    const last = out[out.length - 1];
    if (last?.type === 'convs' && last.down === item.down) last.d += ` ${d}`;
    else out.push({ type: 'convs', d, down: item.down });
  }
  return out;
}

export interface NetworkGraphProps {
  spec: NetworkSpec;
  expanded: readonly string[];
  selectedKey?: string | null;
  onToggleRun?: (runId: string) => void;
  onSelect?: (group: GraphGroup) => void;
  /** Accessible name of the drawing. */
  title?: string;
  /** Scale of the drawing (classroom mode draws it larger). */
  scale?: number;
  /** Write Eq. 3's symbols on merge-and-run blocks. */
  annotate?: boolean;
}

/** The network drawn like the paper's Figure 2; collapsed runs expand on click or Enter. */
export const NetworkGraph = memo(function NetworkGraph({
  spec,
  expanded,
  selectedKey,
  onToggleRun,
  onSelect,
  title,
  scale,
  annotate = false,
}: NetworkGraphProps) {
  const layout = useMemo(
    () => layoutNetwork(spec, new Set(expanded), { annotate }),
    [spec, expanded, annotate],
  );
  const drawing = useMemo(() => drawingOf(layout.items), [layout]);
  // Small networks are drawn larger (up to 1.5x) so that a laptop screen fills its width.
  const k = scale ?? Math.min(1.5, Math.max(1, 880 / layout.width));
  const blocks = spec.stages.reduce((n, s) => n + s.blocks.length, 0);
  return (
    <div className="graph-scroll" data-testid="network-graph">
      <svg
        width={layout.width * k}
        height={layout.height * k}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="group"
        aria-label={
          title ?? `Drawing of ${spec.name}: ${blocks} blocks in ${spec.stages.length} stages`
        }
        className="network-graph"
        data-blocks={blocks}
        data-drawn={layout.groups.length}
        data-summarised={layout.budget.summarisedBlocks}
      >
        {drawing.map((item, i) => (
          <Item key={i} item={item} />
        ))}
        {layout.groups.map((g) => {
          if (g.summary) {
            // Nothing to expand: past the budget these blocks are edited in the stage lists.
            return (
              <g
                key={g.id}
                className="g-group g-group--summary"
                role="img"
                aria-label={g.label}
                data-testid="summary-run"
              >
                <rect x={g.x} y={g.y} width={g.w} height={g.h} rx={8} />
              </g>
            );
          }
          const key = `${g.stage}:${g.start}`;
          const action = g.collapsed
            ? `expand ${g.count} blocks`
            : g.runCount > 1
              ? `collapse the run of ${g.runCount} blocks`
              : 'select';
          const activate = () => {
            if (g.collapsed || g.runCount > 1) onToggleRun?.(g.runId);
            onSelect?.(g);
          };
          return (
            <g
              key={g.id}
              className={`g-group${selectedKey === key ? ' g-group--selected' : ''}${g.collapsed ? ' g-group--collapsed' : ''}`}
              role="button"
              tabIndex={0}
              aria-label={`${g.label}: ${action}`}
              data-testid={g.collapsed ? 'collapsed-run' : 'graph-block'}
              onClick={activate}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  activate();
                }
              }}
            >
              <rect x={g.x} y={g.y} width={g.w} height={g.h} rx={8} />
            </g>
          );
        })}
      </svg>
    </div>
  );
});
