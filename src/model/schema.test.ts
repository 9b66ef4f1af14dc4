import { describe, expect, it } from 'vitest';
import { fromPaper, PAPER_PRESETS, tinyClassroom } from './presets';
import { validateSpec } from './schema';
import type { NetworkSpec } from './spec';

const errorsOf = (value: unknown): string[] => {
  const r = validateSpec(value);
  return r.ok ? [] : r.errors;
};

describe('validateSpec', () => {
  it('accepts the paper networks and returns the spec', () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 12 });
    const r = validateSpec(JSON.parse(JSON.stringify(spec)));
    expect(r).toEqual({ ok: true, spec });
  });

  it('explains shape errors in words, with the stage and block', () => {
    const bad = {
      ...tinyClassroom(),
      widen: 1.5,
      stages: [
        { width: 600, stride: 3, blocks: [] },
        { width: 8, stride: 2, blocks: [{ kind: 'dense', branches: 2, layersPerBranch: 2 }] },
      ],
    };
    const errors = errorsOf(bad);
    expect(errors).toContain('widen factor must be a whole number');
    expect(errors).toContain('stage 1: width must be between 1 and 512');
    expect(errors).toContain('stage 1: stride must be 1 or 2');
    expect(errors).toContain('stage 1: a stage needs at least one block');
    expect(errors).toContain(
      'stage 2, block 1: kind must be one of residual, inception, mergeAndRun, identity',
    );
    expect(errorsOf(null).length).toBeGreaterThan(0);
    expect(errorsOf({ ...tinyClassroom(), extra: 1 }).join()).toMatch(/extra/);
  });

  it('checks rules across fields', () => {
    const spec = tinyClassroom();
    const withBlock = (b: NetworkSpec['stages'][number]['blocks'][number]): NetworkSpec => ({
      ...spec,
      stages: [{ width: 8, stride: 1, blocks: [b] }],
    });
    expect(errorsOf(withBlock({ kind: 'residual', branches: 2, layersPerBranch: 2 }))[0]).toMatch(
      /residual block has exactly one branch/,
    );
    expect(
      errorsOf(withBlock({ kind: 'mergeAndRun', branches: 1, layersPerBranch: 2 }))[0],
    ).toMatch(/needs K between 2 and 8/);
    expect(
      errorsOf(withBlock({ kind: 'inception', branches: 2, layersPerBranch: 2, fuse: true }))[0],
    ).toMatch(/only merge-and-run blocks can fuse/);
    expect(errorsOf({ ...spec, sharing: 'none' })[0]).toMatch(/sharing "none"/);
    expect(validateSpec(fromPaper({ arch: 'identity', L: 12, sharing: 'none' })).ok).toBe(true);
    expect(
      errorsOf({
        ...spec,
        widen: 16,
        stages: [{ width: 512, stride: 1, blocks: spec.stages[0]!.blocks }],
      })[0],
    ).toMatch(/channels; at most 2048/);
  });

  it('caps parameters and training memory', () => {
    const huge = fromPaper({ arch: 'dmrnet', L: 96, widen: 16 });
    const errors = errorsOf(huge);
    expect(errors.some((e) => e.includes('parameters; at most 50,000,000'))).toBe(true);
    expect(errors.some((e) => /training needs about .* GiB at batch 64/.test(e))).toBe(true);
    // The caps leave every network of the paper's tables valid (the widest: 14.9M parameters).
    for (const preset of PAPER_PRESETS) expect(errorsOf(fromPaper(preset.options))).toEqual([]);
  });
});
