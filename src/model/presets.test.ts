import { describe, expect, it } from 'vitest';
import { analyzeNetwork } from './analysis';
import { fromPaper, PAPER_PRESETS, tinyClassroom, tryFromPaper } from './presets';
import { validateSpec } from './schema';

describe('paper presets', () => {
  it('every preset of Tables 2, 3 and 5 builds a valid spec with a unique id', () => {
    const ids = new Set<string>();
    for (const p of PAPER_PRESETS) {
      const spec = fromPaper(p.options);
      const v = validateSpec(spec);
      expect(v.ok, `${p.id}: ${v.ok ? '' : v.errors.join('; ')}`).toBe(true);
      expect(ids.has(p.id)).toBe(false);
      ids.add(p.id);
    }
    expect(PAPER_PRESETS.filter((p) => p.table === 2)).toHaveLength(24);
    expect(PAPER_PRESETS.filter((p) => p.table === 3)).toHaveLength(3);
    expect(PAPER_PRESETS.filter((p) => p.table === 5)).toHaveLength(8);
  });

  it('uses L/3 blocks per stage for ResNets and L/6 for two-branch networks (widths 16, 32, 64)', () => {
    const resnet = fromPaper({ arch: 'resnet', L: 12 });
    expect(resnet.stages.map((s) => s.blocks.length)).toEqual([4, 4, 4]);
    expect(resnet.stages.map((s) => s.width)).toEqual([16, 32, 64]);
    expect(resnet.stages.map((s) => s.stride)).toEqual([1, 2, 2]);
    const dmr = fromPaper({ arch: 'dmrnet', L: 54, K: 3 });
    expect(dmr.stages.map((s) => s.blocks.length)).toEqual([9, 9, 9]);
    const last = dmr.stages[2]?.blocks[8];
    expect(last).toEqual({ kind: 'mergeAndRun', branches: 3, layersPerBranch: 2, fuse: true });
    expect(dmr.stages[2]?.blocks[7]?.fuse).toBeUndefined();
    // Actual depth L + 2: Table 3's "DMRNet depth 56" at L = 54.
    expect(analyzeNetwork(fromPaper({ arch: 'dmrnet', L: 54 })).actualDepth).toBe(56);
    expect(analyzeNetwork(fromPaper({ arch: 'dmrnet', L: 30, widen: 4 })).actualDepth).toBe(32);
  });

  it('Table 5 w/o sharing: per-stream conv0 and classifier, no fused block', () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 48, sharing: 'none' });
    expect(spec.sharing).toBe('none');
    expect(spec.stages.flatMap((s) => s.blocks).some((b) => b.fuse)).toBe(false);
  });

  it('rejects bad options with a message a person understands', () => {
    expect(() => fromPaper({ arch: 'dmrnet', L: 16 })).toThrow(
      'L must be a multiple of 6 for two-branch networks',
    );
    expect(() => fromPaper({ arch: 'resnet', L: 13 })).toThrow('L must be a multiple of 3');
    const r = tryFromPaper({ arch: 'dilnet', L: 12, K: 9, widen: 0, classes: 1, sharing: 'none' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.join('\n')).toMatch(/K \(branches\) must be a whole number between 2 and 8/);
      expect(r.errors.join('\n')).toMatch(/widen must be/);
      expect(r.errors.join('\n')).toMatch(/classes must be/);
      expect(r.errors.join('\n')).toMatch(/sharing "none"/);
    }
    expect(tryFromPaper({ arch: 'vgg' as 'resnet', L: 12 }).ok).toBe(false);
    // resnet at L = 18 is fine (multiple of 3), as are L = 30 and 36 for two-branch nets.
    expect(tryFromPaper({ arch: 'resnet', L: 18 }).ok).toBe(true);
    expect(tryFromPaper({ arch: 'dmrnet', L: 30 }).ok).toBe(true);
  });

  it('the classroom network is a tiny valid merge-and-run net', () => {
    const spec = tinyClassroom();
    expect(validateSpec(spec).ok).toBe(true);
    const a = analyzeNetwork(spec);
    expect(a.params).toBeLessThan(50_000);
    expect(a.blocksPerStage).toEqual([1, 1, 1]);
    expect(analyzeNetwork(tinyClassroom({ width: 4 })).params).toBeLessThan(a.params);
  });
});
