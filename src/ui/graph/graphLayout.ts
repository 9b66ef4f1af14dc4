/**
 * Lays a NetworkSpec out as a drawing in the style of the paper's Figure 2: streams run left
 * to right; each block shows its branches (conv layers as small boxes, a trapezoid where the
 * layer downsamples), its sum nodes (+), the merge node (M: the average of the K stream
 * inputs, Eq. 3) and its shortcut (dashed where it is a 1x1 projection, as in the paper).
 * Runs of identical blocks collapse into one drawn block marked "x n" unless expanded; past
 * the drawing's budget (graphBudget.ts) stretches of mixed blocks become summary boxes, and the
 * drawing says so. Pure: the React component only renders the primitives this returns.
 */
import type { BlockSpec, NetworkSpec } from '../../model/spec';
import { BLOCK_KIND_LABEL } from '../../model/specEdit';
import { DRAW_BUDGET, groupId, planDrawing, stageRuns, type DrawPlan } from './graphBudget';

export { groupId, stageRuns };

export const LANE = 56;
const CONV_W = 13;
const CONV_H = 26;
const CONV_GAP = 7;
const PAD = 26;
const NODE_R = 8;
const ARC = 24;
const BLOCK_GAP = 14;

export type GraphItem =
  | {
      type: 'conv';
      x: number;
      y: number;
      w: number;
      h: number;
      down: boolean;
      title: string;
    }
  | { type: 'box'; x: number; y: number; w: number; h: number; label: string; title: string }
  | { type: 'node'; x: number; y: number; r: number; op: 'sum' | 'merge' | 'avg'; title: string }
  | { type: 'wire'; d: string; kind: 'stream' | 'skip' | 'projection' | 'merge' }
  | {
      type: 'label';
      x: number;
      y: number;
      text: string;
      anchor: 'start' | 'middle' | 'end';
      tone: 'stage' | 'count' | 'muted' | 'eq';
    };

/** A drawn block or a collapsed run of identical blocks: the editor's click/keyboard target. */
export interface GraphGroup {
  id: string;
  stage: number;
  /** Index of the first block of the run in its stage. */
  start: number;
  count: number;
  /** True when `count` blocks are drawn as one. */
  collapsed: boolean;
  /** True when `count` blocks of any kinds are drawn as one summary box (over the budget). */
  summary: boolean;
  /** The run of identical blocks this belongs to (the id kept in the expanded set). */
  runId: string;
  runCount: number;
  block: BlockSpec;
  x: number;
  y: number;
  w: number;
  h: number;
  label: string;
}

export interface GraphLayout {
  width: number;
  height: number;
  items: GraphItem[];
  groups: GraphGroup[];
  /** What the budget did: summaries drawn, blocks inside them, expansions closed again. */
  budget: Pick<DrawPlan, 'summaries' | 'summarisedBlocks' | 'closedExpansions'>;
}

/**
 * SVG shapes an item draws (titles included): the budget's unit, what the drawing asks a
 * person to read. The component draws all wires of a kind, and all conv layers, as one path
 * each, so the page holds fewer elements than this counts (NetworkGraph.tsx).
 */
export function svgNodesOf(item: GraphItem): number {
  switch (item.type) {
    case 'wire':
    case 'label':
      return 1;
    case 'conv':
      return 2;
    case 'box':
    case 'node':
      return 4;
  }
}

/** SVG elements of the whole drawing: the items, and a group (g, rect) per click target. */
export function svgNodeCount(layout: GraphLayout): number {
  return layout.items.reduce((n, i) => n + svgNodesOf(i), 0) + 2 * layout.groups.length;
}

const blockCosts = new Map<string, number>();

/**
 * SVG elements one drawn block takes, measured by drawing it: the block, the wires into it (up
 * to 2K and an average node), its click target and its "x n" label.
 */
export function blockDrawCost(block: BlockSpec, annotate = false): number {
  const key = `${block.kind}/${block.branches}/${block.layersPerBranch}/${!!block.fuse}/${annotate}`;
  let cost = blockCosts.get(key);
  if (cost === undefined) {
    const items: GraphItem[] = [];
    drawBlock(block, 0, 0, { down: false, projection: false, channels: 1, annotate }, items);
    cost = items.reduce((n, i) => n + svgNodesOf(i), 0) + 2 * lanesOf(block) + 4 + 2 + 1;
    blockCosts.set(key, cost);
  }
  return cost;
}

/** The number of streams a block takes in and gives out (see the NetworkSpec doc comment). */
export function streamsOf(block: BlockSpec): { inputs: number; outputs: number } {
  if (block.kind === 'residual' || block.kind === 'inception') return { inputs: 1, outputs: 1 };
  return {
    inputs: block.branches,
    outputs: block.kind === 'mergeAndRun' && block.fuse ? 1 : block.branches,
  };
}

function laneYs(k: number, cy: number): number[] {
  return Array.from({ length: k }, (_, i) => cy + (i - (k - 1) / 2) * LANE);
}

function lanesOf(block: BlockSpec): number {
  return block.kind === 'residual' ? 1 : block.branches;
}

function line(points: [number, number][]): string {
  return points
    .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)} ${y.toFixed(1)}`)
    .join(' ');
}

interface DrawOptions {
  down: boolean;
  projection: boolean;
  channels: number;
  /** Write Eq. 3's symbols on a merge-and-run block (classroom mode). */
  annotate?: boolean;
}

/** Draws one block starting at x0 around the centre line cy; returns its output lane ys. */
function drawBlock(
  block: BlockSpec,
  x0: number,
  cy: number,
  opts: DrawOptions,
  items: GraphItem[],
): { x1: number; outYs: number[] } {
  const B = block.layersPerBranch;
  const xs = x0 + PAD + B * (CONV_W + CONV_GAP) + 10;
  const convs = (y: number, branch: string) => {
    for (let l = 0; l < B; l++) {
      const down = opts.down && l === 0;
      items.push({
        type: 'conv',
        x: x0 + PAD + l * (CONV_W + CONV_GAP),
        y: y - CONV_H / 2,
        w: CONV_W,
        h: CONV_H,
        down,
        title: `${branch}: conv 3×3, ${opts.channels} channels${down ? ', stride 2 (downsampling)' : ''}${l === B - 1 ? ' → BN' : ' → BN → ReLU'}`,
      });
    }
  };
  const skipKind = opts.projection ? 'projection' : 'skip';
  const skipTitle = opts.projection ? '1×1 projection shortcut' : 'identity shortcut';
  const sum = (x: number, y: number, title: string) =>
    items.push({ type: 'node', x, y, r: NODE_R, op: 'sum', title });

  if (block.kind === 'residual' || block.kind === 'identity') {
    const ys = laneYs(lanesOf(block), cy);
    ys.forEach((y, i) => {
      items.push({
        type: 'wire',
        d: line([
          [x0, y],
          [xs, y],
        ]),
        kind: 'stream',
      });
      items.push({
        type: 'wire',
        d: line([
          [x0 + 6, y],
          [x0 + 6, y - ARC],
          [xs, y - ARC],
          [xs, y],
        ]),
        kind: skipKind,
      });
      convs(y, block.kind === 'residual' ? 'Residual branch H' : `Branch H${i + 1}`);
      sum(xs, y, `Sum: ReLU(H(x) + ${opts.projection ? 'P(x)' : 'x'}) — ${skipTitle}`);
    });
    return { x1: xs + NODE_R, outYs: ys };
  }

  if (block.kind === 'inception') {
    const ys = laneYs(block.branches, cy);
    const even = block.branches % 2 === 0;
    const top = Math.min(...ys);
    for (const y of ys) {
      items.push({
        type: 'wire',
        d: line([
          [x0, cy],
          [x0 + PAD - 8, y],
          [xs - 12, y],
          [xs, cy],
        ]),
        kind: 'stream',
      });
    }
    items.push({
      type: 'wire',
      d: even
        ? line([
            [x0, cy],
            [xs, cy],
          ])
        : line([
            [x0 + 4, cy],
            [x0 + 4, top - ARC],
            [xs, top - ARC],
            [xs, cy],
          ]),
      kind: skipKind,
    });
    ys.forEach((y, i) => convs(y, `Branch H${i + 1}`));
    sum(
      xs,
      cy,
      `Sum (Eq. 2): ReLU(${ys.map((_, i) => `H${i + 1}(x)`).join(' + ')} + x) — ${skipTitle}`,
    );
    return { x1: xs + NODE_R, outYs: [cy] };
  }

  // Merge-and-run (Eq. 3): m = mean of the K (projected) stream inputs, added to every branch.
  const ys = laneYs(block.branches, cy);
  const busY = block.branches % 2 === 0 ? cy : cy + LANE / 2;
  const mx = x0 + 12;
  for (const y of ys) {
    items.push({
      type: 'wire',
      d: line([
        [x0, y],
        [xs, block.fuse ? cy : y],
      ]),
      kind: 'stream',
    });
    items.push({
      type: 'wire',
      d: line([
        [x0, y],
        [mx, busY],
      ]),
      kind: opts.projection ? 'projection' : 'merge',
    });
  }
  if (block.fuse) {
    items.push({
      type: 'wire',
      d: line([
        [mx, busY],
        [xs, busY],
        [xs, cy],
      ]),
      kind: 'merge',
    });
  } else {
    for (const y of ys) {
      items.push({
        type: 'wire',
        d: line([
          [mx, busY],
          [xs - 14, busY],
          [xs, y],
        ]),
        kind: 'merge',
      });
    }
  }
  ys.forEach((y, i) => convs(y, `Branch H${i + 1}`));
  if (opts.annotate) {
    // Eq. 3's symbols: inputs x, branches H, the merge m, outputs x'.
    const name = (i: number) => (block.branches === 2 ? (i === 0 ? 'a' : 'b') : String(i + 1));
    const mid = x0 + PAD + (B * (CONV_W + CONV_GAP)) / 2 - CONV_GAP / 2;
    ys.forEach((y, i) => {
      const up = y <= cy;
      const ly = up ? y - CONV_H / 2 - 5 : y + CONV_H / 2 + 13;
      items.push({
        type: 'label',
        x: x0 - 4,
        y: y + (up ? -6 : 14),
        text: `x${name(i)}`,
        anchor: 'end',
        tone: 'eq',
      });
      items.push({
        type: 'label',
        x: mid,
        y: ly,
        text: `H${name(i)}`,
        anchor: 'middle',
        tone: 'eq',
      });
      if (!block.fuse) {
        items.push({
          type: 'label',
          x: xs + NODE_R + 3,
          y: y + (up ? -8 : 18),
          text: `x${name(i)}′`,
          anchor: 'start',
          tone: 'eq',
        });
      }
    });
    items.push({
      type: 'label',
      x: (mx + xs) / 2,
      y: busY - 5,
      text: 'm',
      anchor: 'middle',
      tone: 'eq',
    });
  }
  items.push({
    type: 'node',
    x: mx,
    y: busY,
    r: NODE_R,
    op: 'merge',
    title: `Merge: m = (${ys.map((_, i) => `${opts.projection ? `P${i + 1}(x${i + 1})` : `x${i + 1}`}`).join(' + ')}) / ${block.branches}`,
  });
  if (block.fuse) {
    sum(
      xs,
      cy,
      `Fuse (last block): ReLU(m + ${ys.map((_, i) => `H${i + 1}(x${i + 1})`).join(' + ')})`,
    );
    return { x1: xs + NODE_R, outYs: [cy] };
  }
  ys.forEach((y, i) => sum(xs, y, `Run (Eq. 3): x${i + 1}' = ReLU(H${i + 1}(x${i + 1}) + m)`));
  return { x1: xs + NODE_R, outYs: ys };
}

/** Wires from one block's output lanes to the next block's input lanes. */
function connect(
  fromYs: number[],
  toCount: number,
  x: number,
  cy: number,
  items: GraphItem[],
): { x: number; ys: number[] } {
  const toYs = laneYs(toCount, cy);
  if (fromYs.length === toCount) {
    fromYs.forEach((y, i) =>
      items.push({
        type: 'wire',
        d: line([
          [x, y],
          [x + BLOCK_GAP, toYs[i] ?? y],
        ]),
        kind: 'stream',
      }),
    );
    return { x: x + BLOCK_GAP, ys: toYs };
  }
  let sx = x;
  if (fromYs.length > 1) {
    // K streams become one by averaging (NetworkSpec doc comment).
    const ax = x + 12;
    for (const y of fromYs)
      items.push({
        type: 'wire',
        d: line([
          [x, y],
          [ax, cy],
        ]),
        kind: 'stream',
      });
    items.push({
      type: 'node',
      x: ax,
      y: cy,
      r: NODE_R,
      op: 'avg',
      title: `Average of ${fromYs.length} streams`,
    });
    sx = ax;
  }
  const ex = sx + (toCount > 1 ? 20 : BLOCK_GAP);
  // One stream becomes K by copying (as conv0's output feeds both streams of a DMRNet).
  for (const y of toYs)
    items.push({
      type: 'wire',
      d: line([
        [sx, cy],
        [ex, y],
      ]),
      kind: 'stream',
    });
  return { x: ex, ys: toYs };
}

/**
 * Lays the network out. `expanded` holds ids of runs drawn block by block; the others are
 * drawn once with "x n".
 */
export function layoutNetwork(
  spec: NetworkSpec,
  expanded: ReadonlySet<string>,
  options: { annotate?: boolean } = {},
): GraphLayout {
  const items: GraphItem[] = [];
  const groups: GraphGroup[] = [];
  const maxLanes = Math.max(1, ...spec.stages.flatMap((s) => s.blocks.map(lanesOf)));
  const half = ((maxLanes - 1) / 2) * LANE + CONV_H / 2 + ARC + 6;
  const cy = 22 + half;
  const stageLabelY = cy + half + 22;
  const boxH = 44;

  let x = 8;
  const stem = (label: string, title: string, w: number) => {
    items.push({ type: 'box', x, y: cy - boxH / 2, w, h: boxH, label, title });
    x += w;
  };
  const { height: ih, width: iw, channels: ic } = spec.input;
  stem(`${ih}×${iw}×${ic}`, 'Input image', 58);
  items.push({
    type: 'wire',
    d: line([
      [x, cy],
      [x + 12, cy],
    ]),
    kind: 'stream',
  });
  x += 12;
  const stemChannels = spec.stemWidth * spec.widen;
  stem(
    'conv0',
    `conv0: 3×3, ${stemChannels} channels → BN → ReLU${spec.sharing === 'none' ? ' (one per stream: no sharing)' : ''}`,
    44,
  );
  let ys = [cy];
  let channels = stemChannels;
  let resolution = ih;

  const plan = planDrawing(spec, expanded, (b) => blockDrawCost(b, options.annotate));
  spec.stages.forEach((stage, si) => {
    const stageChannels = stage.width * spec.widen;
    const first = stage.blocks[0];
    const firstIsSpecial = stage.stride === 2 || stageChannels !== channels;
    const stageX0 = x;
    if (stage.stride === 2) resolution = Math.ceil(resolution / 2);
    for (const seg of plan.stages[si] ?? []) {
      if (seg.type === 'summary') {
        const conn = connect(ys, streamsOf(stage.blocks[seg.start]!).inputs, x, cy, items);
        const out = drawSummary(stage.blocks, seg, si, conn.x, cy, maxLanes, items, groups);
        x = out.x1;
        ys = out.outYs;
        continue;
      }
      const run = { start: seg.start, count: seg.count };
      const open = seg.open;
      const drawn = open ? run.count : 1;
      const groupX = x;
      for (let k = 0; k < drawn; k++) {
        const index = run.start + k;
        const block = stage.blocks[index]!;
        const special = index === 0 && firstIsSpecial;
        const conn = connect(ys, streamsOf(block).inputs, x, cy, items);
        const out = drawBlock(
          block,
          conn.x,
          cy,
          {
            down: special && stage.stride === 2,
            projection: special && (stage.stride === 2 || stageChannels !== channels),
            channels: stageChannels,
            annotate: options.annotate,
          },
          items,
        );
        x = out.x1;
        ys = out.outYs;
        if (open) {
          groups.push(makeGroup(si, index, 1, false, run, block, conn.x, x, cy, maxLanes));
        }
      }
      const block = stage.blocks[run.start]!;
      if (!open) {
        const g = makeGroup(
          si,
          run.start,
          run.count,
          run.count > 1,
          run,
          block,
          groupX + 4,
          x,
          cy,
          maxLanes,
        );
        groups.push(g);
        if (run.count > 1) {
          items.push({
            type: 'label',
            x: g.x + g.w / 2,
            y: g.y + 12,
            text: `× ${run.count}`,
            anchor: 'middle',
            tone: 'count',
          });
        }
      }
    }
    channels = stageChannels;
    // A narrow stage is widened with plain stream wires so that its label fits under it.
    const minSpan = 118;
    if (x - stageX0 < minSpan) {
      const ex = stageX0 + minSpan;
      for (const y of ys)
        items.push({
          type: 'wire',
          d: line([
            [x, y],
            [ex, y],
          ]),
          kind: 'stream',
        });
      x = ex;
    }
    items.push({
      type: 'label',
      x: (stageX0 + x) / 2,
      y: stageLabelY - 2,
      text: `Stage ${si + 1}${first ? '' : ' (empty)'}`,
      anchor: 'middle',
      tone: 'stage',
    });
    items.push({
      type: 'label',
      x: (stageX0 + x) / 2,
      y: stageLabelY + 12,
      text: `${stageChannels} ch · ${resolution}×${resolution}`,
      anchor: 'middle',
      tone: 'muted',
    });
    items.push({
      type: 'wire',
      d: line([
        [stageX0 + 4, stageLabelY - 16],
        [x - 2, stageLabelY - 16],
      ]),
      kind: 'skip',
    });
  });

  const tail = connect(ys, 1, x, cy, items);
  x = tail.x;
  stem('pool', 'Global average pooling', 38);
  items.push({
    type: 'wire',
    d: line([
      [x, cy],
      [x + 12, cy],
    ]),
    kind: 'stream',
  });
  x += 12;
  stem(
    'FC',
    `Fully connected → softmax, ${spec.classes} classes${spec.sharing === 'none' ? ' (one per stream, logits averaged)' : ''}`,
    34,
  );
  const note = budgetNote(plan);
  if (note) {
    items.push({ type: 'label', x: 8, y: 13, text: note, anchor: 'start', tone: 'muted' });
  }
  const { summaries, summarisedBlocks, closedExpansions } = plan;
  return {
    width: x + 10,
    height: stageLabelY + 20,
    items,
    groups,
    budget: { summaries, summarisedBlocks, closedExpansions },
  };
}

/** What the drawing says when the budget changed it (written at its top left). */
export function budgetNote(plan: DrawPlan): string | null {
  const parts: string[] = [];
  if (plan.summaries > 0) {
    parts.push(
      `${plan.summarisedBlocks} blocks are drawn as ${plan.summaries} ${plan.summaries === 1 ? 'summary' : 'summaries'} (⋯)`,
    );
  }
  if (plan.closedExpansions > 0) {
    parts.push(
      `${plan.closedExpansions} expanded ${plan.closedExpansions === 1 ? 'run is' : 'runs are'} shown collapsed`,
    );
  }
  if (parts.length === 0) return null;
  return `Too large to draw block by block (over ${DRAW_BUDGET.blocks} blocks or ${DRAW_BUDGET.svgNodes.toLocaleString('en-US')} shapes): ${parts.join('; ')}. The stage lists hold every block.`;
}

const SUMMARY_W = 96;

/** A stretch of blocks of any kinds drawn as one box, with what it holds in its title. */
function drawSummary(
  blocks: readonly BlockSpec[],
  seg: { start: number; count: number },
  stage: number,
  x0: number,
  cy: number,
  maxLanes: number,
  items: GraphItem[],
  groups: GraphGroup[],
): { x1: number; outYs: number[] } {
  const inner = blocks.slice(seg.start, seg.start + seg.count);
  const kinds = new Map<string, number>();
  for (const b of inner) {
    const k = b.kind === 'residual' ? '' : ` K=${b.branches}`;
    const key = `${BLOCK_KIND_LABEL[b.kind]}${k} B=${b.layersPerBranch}${b.fuse ? ' fuse' : ''}`;
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  const holds = [...kinds].map(([k, n]) => `${n} × ${k}`).join(', ');
  const first = seg.start + 1;
  const last = seg.start + seg.count;
  const title = `Blocks ${first}–${last} of stage ${stage + 1}, summarised: ${holds}`;
  const inYs = laneYs(streamsOf(inner[0]!).inputs, cy);
  const outYs = laneYs(streamsOf(inner[inner.length - 1]!).outputs, cy);
  const top = Math.min(...inYs, ...outYs) - CONV_H / 2;
  const bottom = Math.max(...inYs, ...outYs) + CONV_H / 2;
  const bx = x0 + 8;
  items.push({
    type: 'box',
    x: bx,
    y: top,
    w: SUMMARY_W,
    h: bottom - top,
    label: `⋯ ${seg.count} blocks`,
    title,
  });
  // Each stream enters and leaves the box where it runs.
  const wire = (ys: number[], from: number, to: number) => {
    for (const y of ys) {
      items.push({
        type: 'wire',
        d: line([
          [from, y],
          [to, y],
        ]),
        kind: 'stream',
      });
    }
  };
  wire(inYs, x0, bx);
  const x1 = bx + SUMMARY_W + 8;
  wire(outYs, bx + SUMMARY_W, x1);
  const run = { start: seg.start, count: seg.count };
  const g = makeGroup(stage, seg.start, seg.count, false, run, inner[0]!, x0 + 4, x1, cy, maxLanes);
  groups.push({
    ...g,
    summary: true,
    label: `${title} (too many to draw one by one; edit them in the stage list)`,
  });
  return { x1, outYs };
}

function makeGroup(
  stage: number,
  start: number,
  count: number,
  collapsed: boolean,
  run: { start: number; count: number },
  block: BlockSpec,
  x0: number,
  x1: number,
  cy: number,
  maxLanes: number,
): GraphGroup {
  const half = ((maxLanes - 1) / 2) * LANE + CONV_H / 2 + ARC + 4;
  const kLabel = block.kind === 'residual' ? '' : `, K=${block.branches}`;
  const label =
    `${BLOCK_KIND_LABEL[block.kind]} block${count > 1 ? `s ${start + 1}–${start + count}` : ` ${start + 1}`} of stage ${stage + 1}` +
    `${kLabel}, ${block.layersPerBranch} layers per branch${block.fuse ? ', fuses the streams' : ''}`;
  return {
    id: groupId(stage, start),
    runId: groupId(stage, run.start),
    runCount: run.count,
    stage,
    start,
    count,
    collapsed,
    summary: false,
    block,
    x: x0 - 2,
    y: cy - half,
    w: x1 - x0 + 6,
    h: 2 * half,
    label,
  };
}
