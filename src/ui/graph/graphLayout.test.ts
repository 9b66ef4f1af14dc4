import { describe, expect, it } from 'vitest';
import { fromPaper, tinyClassroom } from '../../model/presets';
import { groupId, layoutNetwork, stageRuns } from './graphLayout';

const count = (
  items: ReturnType<typeof layoutNetwork>['items'],
  pred: (i: (typeof items)[number]) => boolean,
) => items.filter(pred).length;

describe('Figure 2 layout', () => {
  it('draws a tiny DMRNet with merge nodes, sums, trapezoids and projections', () => {
    const layout = layoutNetwork(tinyClassroom(), new Set());
    const { items } = layout;
    expect(count(items, (i) => i.type === 'node' && i.op === 'merge')).toBe(3);
    // Two streams in blocks 1 and 2 (two sums each), the fused last block has one sum.
    expect(count(items, (i) => i.type === 'node' && i.op === 'sum')).toBe(5);
    expect(count(items, (i) => i.type === 'conv')).toBe(12);
    // Stages 2 and 3 downsample in each branch's first conv.
    expect(count(items, (i) => i.type === 'conv' && i.down)).toBe(4);
    expect(count(items, (i) => i.type === 'wire' && i.kind === 'projection')).toBe(4);
    expect(layout.groups).toHaveLength(3);
  });

  it('collapses runs of identical blocks into "x n" and expands them on request', () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 96 });
    const collapsed = layoutNetwork(spec, new Set());
    const labels = collapsed.items.flatMap((i) =>
      i.type === 'label' && i.tone === 'count' ? [i.text] : [],
    );
    // 16 blocks per stage: stage 1 all alike; stages 2, 3 start with a downsampling block;
    // the last block of stage 3 fuses the streams.
    expect(labels).toEqual(['× 16', '× 15', '× 14']);
    expect(collapsed.groups.map((g) => g.count)).toEqual([16, 1, 15, 1, 14, 1]);
    const open = layoutNetwork(spec, new Set([groupId(0, 0)]));
    expect(open.groups).toHaveLength(6 - 1 + 16);
    expect(open.width).toBeGreaterThan(collapsed.width + 10 * 40);
  });

  it('keeps the first block of a widening or downsampling stage apart', () => {
    const b = { kind: 'residual' as const, branches: 1, layersPerBranch: 2 };
    expect(stageRuns([b, b, b], true)).toEqual([
      { start: 0, count: 1 },
      { start: 1, count: 2 },
    ]);
    expect(stageRuns([b, b, b], false)).toEqual([{ start: 0, count: 3 }]);
  });

  it('averages K streams into one where a one-stream block follows', () => {
    const spec = tinyClassroom();
    spec.stages[0]!.blocks.push({ kind: 'residual', branches: 1, layersPerBranch: 2 });
    const { items } = layoutNetwork(spec, new Set());
    expect(count(items, (i) => i.type === 'node' && i.op === 'avg')).toBe(1);
  });

  it('stays a finite drawing for every block kind and K', () => {
    for (const arch of ['resnet', 'dilnet', 'dmrnet', 'identity'] as const) {
      const layout = layoutNetwork(fromPaper({ arch, L: 12, K: 3 }), new Set());
      expect(Number.isFinite(layout.width) && Number.isFinite(layout.height)).toBe(true);
      for (const i of layout.items) if (i.type === 'wire') expect(i.d).not.toMatch(/NaN/);
    }
  });
});

describe("Eq. 3's symbols", () => {
  it('are written on a merge-and-run block only when asked', () => {
    const spec = tinyClassroom();
    const eq = (annotate: boolean) =>
      layoutNetwork(spec, new Set(), { annotate }).items.flatMap((i) =>
        i.type === 'label' && i.tone === 'eq' ? [i.text] : [],
      );
    expect(eq(false)).toEqual([]);
    const labels = eq(true);
    for (const t of ['xa', 'xb', 'Ha', 'Hb', 'm', 'xa′', 'xb′']) expect(labels).toContain(t);
  });
});
