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
  // Each run's cost drawn once ("x n") and block by block, computed once: the plan is weighed
  // again after each change, and issue 19's link has 1,000 runs of one block.
  const closedCost = runs.map((rs, si) => rs.map((r) => cost(spec.stages[si]!.blocks[r.start]!)));
  const openCost = runs.map((rs, si) =>
    rs.map((r, ri) => {
      if (r.count === 1) return closedCost[si]![ri]!;
      let nodes = 0;
      for (let i = r.start; i < r.start + r.count; i++) nodes += cost(spec.stages[si]!.blocks[i]!);
      return nodes;
    }),
  );
  // The expanded runs that exist, by stage and run index, oldest first.
  const open: { si: number; ri: number; id: string }[] = [];
  if (expanded.size > 0) {
    const byId = new Map<string, { si: number; ri: number }>();
    runs.forEach((rs, si) =>
      rs.forEach((r, ri) => {
        if (r.count > 1) byId.set(groupId(si, r.start), { si, ri });
      }),
    );
    for (const id of expanded) {
      const at = byId.get(id);
      if (at) open.push({ ...at, id });
    }
  }
  const isOpen = runs.map((rs) => rs.map(() => false));
  for (const o of open) isOpen[o.si]![o.ri] = true;
  const summarised = runs.map(() => false);

  const runCost = (si: number, ri: number) =>
    isOpen[si]![ri]
      ? { nodes: openCost[si]![ri]!, blocks: runs[si]![ri]!.count }
      : { nodes: closedCost[si]![ri]!, blocks: 1 };
  /** A stage's cost: its runs, or its first and last run around one summary. */
  const stageCost = (si: number): { nodes: number; blocks: number } => {
    const rs = runs[si]!;
    let nodes = 0;
    let blocks = 0;
    const add = (ri: number) => {
      const c = runCost(si, ri);
      nodes += c.nodes;
      blocks += c.blocks;
    };
    if (summarised[si] && rs.length >= 3) {
      add(0);
      add(rs.length - 1);
      nodes += SUMMARY_COST;
    } else {
      for (let ri = 0; ri < rs.length; ri++) add(ri);
    }
    return { nodes, blocks };
  };
  const stageCosts = runs.map((_, si) => stageCost(si));
  const spent = () =>
    stageCosts.reduce((t, c) => ({ nodes: t.nodes + c.nodes, blocks: t.blocks + c.blocks }), {
      nodes: 0,
      blocks: 0,
    });
  const fits = (c: { nodes: number; blocks: number }) =>
    c.nodes <= budget.svgNodes && c.blocks <= budget.blocks;

  let closedExpansions = 0;
  for (const o of open) {
    if (fits(spent())) break;
    isOpen[o.si]![o.ri] = false;
    stageCosts[o.si] = stageCost(o.si);
    closedExpansions++;
  }
  if (!fits(spent())) {
    // The costliest middles first: a few summaries where one stage holds the bulk.
    const middles = runs
      .map((rs, si) => {
        let nodes = 0;
        for (let ri = 1; ri < rs.length - 1; ri++) nodes += runCost(si, ri).nodes;
        return { si, nodes, segments: rs.length - 2 };
      })
      .filter((m) => m.segments >= 2)
      .sort((a, b) => b.nodes - a.nodes);
    for (const m of middles) {
      if (fits(spent())) break;
      summarised[m.si] = true;
      stageCosts[m.si] = stageCost(m.si);
    }
  }

  let summaries = 0;
  let summarisedBlocks = 0;
  const stages = runs.map((rs, si): Segment[] => {
    const segs: Segment[] = rs.map((r, ri) => ({
      type: 'run',
      start: r.start,
      count: r.count,
      open: isOpen[si]![ri]!,
    }));
    if (!summarised[si] || segs.length < 3) return segs;
    const middle = segs.slice(1, -1);
    const start = middle[0]!.start;
    const count = middle.reduce((n, seg) => n + seg.count, 0);
    summaries++;
    summarisedBlocks += count;
    return [segs[0]!, { type: 'summary', start, count }, segs[segs.length - 1]!];
  });
  const total = spent();
  return {
    stages,
    summarisedBlocks,
    summaries,
    closedExpansions,
    svgNodes: total.nodes,
    drawnBlocks: total.blocks,
  };
}
