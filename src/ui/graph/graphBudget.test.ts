import { describe, expect, it } from 'vitest';
import { fromPaper } from '../../model/presets';
import type { BlockSpec, NetworkSpec } from '../../model/spec';
import { validateSpec } from '../../model/schema';
import { DRAW_BUDGET, groupId, planDrawing } from './graphBudget';
import { layoutNetwork, svgNodeCount } from './graphLayout';

const mr = (K = 8, B = 8): BlockSpec => ({ kind: 'mergeAndRun', branches: K, layersPerBranch: B });
const inc = (K = 8, B = 8): BlockSpec => ({ kind: 'inception', branches: K, layersPerBranch: B });

function network(blockAt: (stage: number, i: number) => BlockSpec, perStage = 200): NetworkSpec {
  const spec: NetworkSpec = {
    version: 1,
    name: 'big',
    input: { height: 32, width: 32, channels: 3 },
    classes: 10,
    stemWidth: 1,
    widen: 1,
    sharing: 'full',
    stages: Array.from({ length: 5 }, (_, s) => ({
      width: 1,
      stride: s === 0 ? 1 : 2,
      blocks: Array.from({ length: perStage }, (_, i) => blockAt(s, i)),
    })),
  };
  const checked = validateSpec(spec);
  if (!checked.ok) throw new Error(checked.errors.join('; '));
  return spec;
}

/** Every run of the network, as expanded ids (what clicking each "x n" does). */
function allRuns(spec: NetworkSpec): Set<string> {
  return new Set(spec.stages.flatMap((s, si) => s.blocks.map((_, i) => groupId(si, i))));
}

describe('the drawing budget (issue 19: 177,034 SVG nodes froze the page)', () => {
  it('summarises the middle of each stage of 5 x 200 alternating K=8, B=8 blocks', () => {
    const layout = layoutNetwork(
      network((_, i) => (i % 2 === 0 ? mr() : inc())),
      new Set(),
    );
    expect(svgNodeCount(layout)).toBeLessThanOrEqual(DRAW_BUDGET.svgNodes);
    expect(layout.budget).toEqual({ summaries: 5, summarisedBlocks: 990, closedExpansions: 0 });
    const summaries = layout.groups.filter((g) => g.summary);
    expect(summaries.map((g) => [g.stage, g.start, g.count])).toEqual(
      [0, 1, 2, 3, 4].map((s) => [s, 1, 198]),
    );
    expect(summaries[0]!.label).toMatch(
      /^Blocks 2–199 of stage 1, summarised: 99 × Inception-like K=8 B=8, 99 × Merge-and-run K=8 B=8/,
    );
    const notes = layout.items.flatMap((i) => (i.type === 'label' && i.y === 13 ? [i.text] : []));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/990 blocks are drawn as 5 summaries/);
    for (const i of layout.items) if (i.type === 'wire') expect(i.d).not.toMatch(/NaN/);
  });

  it('keeps every network the schema accepts within budget, even with every run expanded', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const kinds = [
      () => mr(),
      () => inc(),
      () => ({ kind: 'identity', branches: 8, layersPerBranch: 8 }) as BlockSpec,
      () => ({ kind: 'residual', branches: 1, layersPerBranch: 8 }) as BlockSpec,
    ];
    const worst = [
      network(() => mr()),
      network(() => ({ kind: 'residual', branches: 1, layersPerBranch: 1 })),
      network(() => kinds[Math.floor(random() * kinds.length)]!()),
      network((_, i) => (i % 3 === 0 ? mr(8, 1) : inc(2, 8))),
    ];
    for (const spec of worst) {
      for (const annotate of [false, true]) {
        const layout = layoutNetwork(spec, allRuns(spec), { annotate });
        expect(svgNodeCount(layout)).toBeLessThanOrEqual(DRAW_BUDGET.svgNodes);
        expect(layout.groups.filter((g) => !g.summary).length).toBeLessThanOrEqual(
          DRAW_BUDGET.blocks,
        );
      }
    }
  });

  it('leaves the paper networks alone, expanded or not', () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 96 });
    const open = layoutNetwork(spec, allRuns(spec));
    expect(open.budget).toEqual({ summaries: 0, summarisedBlocks: 0, closedExpansions: 0 });
    expect(open.groups).toHaveLength(48);
    expect(open.items.some((i) => i.type === 'label' && i.y === 13)).toBe(false);
  });

  it('closes the oldest expansions first, then summarises the costliest stage', () => {
    const spec = network(() => mr(2, 2), 10);
    // Stage 1: one run of 10; stages 2-5: block 0 alone (it downsamples), then 1-9 alike.
    const unit = () => 1;
    const ids = [groupId(1, 1), groupId(2, 1), groupId(3, 1)];
    const plan = planDrawing(spec, new Set(ids), unit, { svgNodes: 1e9, blocks: 9 + 2 * 8 });
    expect(plan.closedExpansions).toBe(1);
    expect(plan.stages[1]![1]).toMatchObject({ type: 'run', open: false });
    expect(plan.stages[2]![1]).toMatchObject({ type: 'run', open: true });
    expect(plan.summaries).toBe(0);

    const mixed = network((s, i) => (s === 2 && i % 2 === 1 ? inc(2, 2) : mr(2, 2)), 10);
    const summarised = planDrawing(mixed, new Set(), unit, { svgNodes: 1e9, blocks: 10 });
    expect(summarised.summaries).toBe(1);
    expect(summarised.stages[2]).toEqual([
      { type: 'run', start: 0, count: 1, open: false },
      { type: 'summary', start: 1, count: 8 },
      { type: 'run', start: 9, count: 1, open: false },
    ]);
    expect(summarised.drawnBlocks).toBeLessThanOrEqual(10);
  });
});
