/**
 * The drawing's budget: which runs of a network are drawn block by block, which as one block
 * marked "x n", and which stretches are summarised into one box. Without it a valid network
 * of 5 stages x 200 blocks alternating two kinds (K=8, B=8) defeats the "x n" collapsing and
 * draws about 177,000 SVG nodes in one task (issue 19: the page froze for 91 s). The budget
 * is in SVG nodes, the cost the browser pays, and in drawn blocks, what a person can read.
 * Pure: the cost of drawing one block comes from the layout (graphLayout.ts).
 */
import type { BlockSpec, NetworkSpec } from '../../model/spec';

/**
 * About 6,000 SVG nodes render in well under 200 ms in Chromium on a 2-core machine; the
 * block cap keeps the drawing one a person can follow (a few hundred blocks).
 */
export const DRAW_BUDGET = { svgNodes: 6000, blocks: 300 } as const;

/** SVG nodes of a summary box (g, rect, text, title), its label and its wires, about. */
export const SUMMARY_COST = 12;

/** A stretch of one stage as it is drawn. */
export type Segment =
  | {
      type: 'run';
      /** Index of the run's first block in its stage. */
      start: number;
      count: number;
      /** Drawn block by block (the person expanded it); else once, marked "x n". */
      open: boolean;
    }
  | {
      type: 'summary';
      start: number;
      count: number;
    };

export interface DrawPlan {
  stages: Segment[][];
  /** Blocks drawn inside summaries. */
  summarisedBlocks: number;
  summaries: number;
  /** Expanded runs drawn collapsed again because drawing them open would pass the budget. */
  closedExpansions: number;
  /** The plan's cost in SVG nodes and drawn blocks (as estimated by `cost`). */
  svgNodes: number;
  drawnBlocks: number;
}

function sameBlock(a: BlockSpec, b: BlockSpec): boolean {
  return (
    a.kind === b.kind &&
    a.branches === b.branches &&
    a.layersPerBranch === b.layersPerBranch &&
    !!a.fuse === !!b.fuse
  );
}

/** The runs a stage is drawn as: its first block alone when it downsamples or projects. */
export function stageRuns(
  blocks: readonly BlockSpec[],
  firstIsSpecial: boolean,
): { start: number; count: number }[] {
  const runs: { start: number; count: number }[] = [];
  blocks.forEach((b, i) => {
    const last = runs[runs.length - 1];
    const prev = blocks[i - 1];
    const breakHere = i === 0 || (i === 1 && firstIsSpecial) || !prev || !sameBlock(prev, b);
    if (breakHere || !last) runs.push({ start: i, count: 1 });
    else last.count += 1;
  });
  return runs;
}

export function groupId(stage: number, start: number): string {
  return `s${stage}b${start}`;
}

/** Whether each stage's first block stands apart (it downsamples or changes the width). */
export function firstBlocksSpecial(spec: NetworkSpec): boolean[] {
  let channels = spec.stemWidth * spec.widen;
  return spec.stages.map((stage) => {
    const stageChannels = stage.width * spec.widen;
    const special = stage.stride === 2 || stageChannels !== channels;
    channels = stageChannels;
    return special;
  });
}

/**
 * Plans the drawing within `budget`. `expanded` holds the ids of runs the person opened, oldest
 * first (a Set keeps insertion order); `cost(block)` is the SVG nodes one drawn block takes.
 * Past the budget, first the oldest expansions close again, then the middle of the costliest
 * stages (every run but the first and the last) becomes one summary, until the plan fits.
 * With every middle summarised a stage draws at most two blocks, so every network the schema
 * accepts (at most 5 stages) fits.
 */
export function planDrawing(
  spec: NetworkSpec,
  expanded: ReadonlySet<string>,
  cost: (block: BlockSpec) => number,
  budget: { svgNodes: number; blocks: number } = DRAW_BUDGET,
): DrawPlan {
  const special = firstBlocksSpecial(spec);
  const runs = spec.stages.map((stage, si) => stageRuns(stage.blocks, special[si] ?? false));
  const open = new Set<string>();
  for (const id of expanded) {
    const found = runs.some((rs, si) => rs.some((r) => r.count > 1 && groupId(si, r.start) === id));
    if (found) open.add(id);
  }
  const summarised = new Set<number>();

  const build = (): Segment[][] =>
    runs.map((rs, si) => {
      const segs: Segment[] = rs.map((r) => ({
        type: 'run',
        start: r.start,
        count: r.count,
        open: open.has(groupId(si, r.start)),
      }));
      if (!summarised.has(si) || segs.length < 3) return segs;
      const middle = segs.slice(1, -1);
      const start = middle[0]!.start;
      const count = middle.reduce((n, s) => n + s.count, 0);
      return [segs[0]!, { type: 'summary', start, count }, segs[segs.length - 1]!];
    });

  // Each block's cost once (the plan is rebuilt a few times while it is fitted).
  const costs = spec.stages.map((stage) => stage.blocks.map(cost));
  const segmentCost = (si: number, s: Segment): { nodes: number; blocks: number } => {
    const c = costs[si]!;
    if (s.type === 'summary') return { nodes: SUMMARY_COST, blocks: 0 };
    if (!s.open) return { nodes: c[s.start]!, blocks: 1 };
    let nodes = 0;
    for (let i = s.start; i < s.start + s.count; i++) nodes += c[i]!;
    return { nodes, blocks: s.count };
  };
  const total = (stages: Segment[][]) => {
    let nodes = 0;
    let blocks = 0;
    stages.forEach((segs, si) =>
      segs.forEach((s) => {
        const c = segmentCost(si, s);
        nodes += c.nodes;
        blocks += c.blocks;
      }),
    );
    return { nodes, blocks };
  };
  const fits = (c: { nodes: number; blocks: number }) =>
    c.nodes <= budget.svgNodes && c.blocks <= budget.blocks;

  let stages = build();
  let spent = total(stages);
  let closedExpansions = 0;
  for (const id of [...open]) {
    if (fits(spent)) break;
    open.delete(id);
    closedExpansions++;
    stages = build();
    spent = total(stages);
  }
  if (!fits(spent)) {
    // The costliest middles first: a few summaries where one stage holds the bulk.
    const middles = stages
      .map((segs, si) => ({
        si,
        nodes: segs.slice(1, -1).reduce((n, s) => n + segmentCost(si, s).nodes, 0),
        segments: segs.length - 2,
      }))
      .filter((m) => m.segments >= 2)
      .sort((a, b) => b.nodes - a.nodes);
    for (const m of middles) {
      if (fits(spent)) break;
      summarised.add(m.si);
      stages = build();
      spent = total(stages);
    }
  }
  let summaries = 0;
  let summarisedBlocks = 0;
  for (const segs of stages) {
    for (const s of segs) {
      if (s.type !== 'summary') continue;
      summaries++;
      summarisedBlocks += s.count;
    }
  }
  return {
    stages,
    summarisedBlocks,
    summaries,
    closedExpansions,
    svgNodes: spent.nodes,
    drawnBlocks: spent.blocks,
  };
}
