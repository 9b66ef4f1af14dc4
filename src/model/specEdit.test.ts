import { describe, expect, it } from 'vitest';
import { fromPaper, tinyClassroom } from './presets';
import {
  addBlock,
  checked,
  moveBlock,
  PALETTE,
  removeBlock,
  setStageWidth,
  setWiden,
  updateBlock,
} from './specEdit';

const tiny = () => tinyClassroom();
const kinds = (spec: ReturnType<typeof tiny>, s: number) =>
  spec.stages[s]!.blocks.map((b) => b.kind);

describe('palette edits of a NetworkSpec', () => {
  it('adds a palette block at a position without touching the old spec', () => {
    const spec = tiny();
    const r = addBlock(spec, 0, PALETTE[0]!.block, 0);
    if (!r.ok) throw new Error(r.message);
    expect(kinds(r.spec, 0)).toEqual(['residual', 'mergeAndRun']);
    expect(kinds(spec, 0)).toEqual(['mergeAndRun']);
    expect(checked(r).ok).toBe(true);
  });

  it('refuses to empty a stage, and unknown blocks', () => {
    const r = removeBlock(tiny(), 1, 0);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/at least one block/);
    expect(removeBlock(tiny(), 1, 5).ok).toBe(false);
    expect(addBlock(tiny(), 7, PALETTE[0]!.block).ok).toBe(false);
  });

  it('moves blocks within a stage (drop index before removal) and across stages', () => {
    let spec = tiny();
    for (const item of PALETTE.slice(0, 3)) {
      const r = addBlock(spec, 0, item.block);
      if (!r.ok) throw new Error(r.message);
      spec = r.spec;
    }
    expect(kinds(spec, 0)).toEqual(['mergeAndRun', 'residual', 'inception', 'mergeAndRun']);
    const down = moveBlock(spec, { stage: 0, index: 1 }, { stage: 0, index: 3 });
    if (!down.ok) throw new Error(down.message);
    expect(kinds(down.spec, 0)).toEqual(['mergeAndRun', 'inception', 'residual', 'mergeAndRun']);
    const up = moveBlock(spec, { stage: 0, index: 2 }, { stage: 0, index: 0 });
    if (!up.ok) throw new Error(up.message);
    expect(kinds(up.spec, 0)).toEqual(['inception', 'mergeAndRun', 'residual', 'mergeAndRun']);
    const across = moveBlock(spec, { stage: 0, index: 1 }, { stage: 2, index: 0 });
    if (!across.ok) throw new Error(across.message);
    expect(kinds(across.spec, 2)).toEqual(['residual', 'mergeAndRun']);
    expect(moveBlock(tiny(), { stage: 1, index: 0 }, { stage: 0, index: 0 }).ok).toBe(false);
  });

  it('configures a block, keeping its fields consistent with its kind', () => {
    const r = updateBlock(tiny(), 0, 0, { kind: 'residual' });
    if (!r.ok) throw new Error(r.message);
    expect(r.spec.stages[0]!.blocks[0]).toEqual({
      kind: 'residual',
      branches: 1,
      layersPerBranch: 2,
    });
    const k3 = updateBlock(tiny(), 0, 0, { branches: 3 });
    if (!k3.ok) throw new Error(k3.message);
    expect(k3.spec.stages[0]!.blocks[0]!.branches).toBe(3);
    expect(updateBlock(tiny(), 0, 0, { branches: 1 }).ok).toBe(false);
    expect(updateBlock(tiny(), 0, 0, { layersPerBranch: 0 }).ok).toBe(false);
    expect(updateBlock(tiny(), 0, 0, { branches: 99 }).ok).toBe(false);
  });

  it('sets stage widths and the widen factor with range messages', () => {
    const r = setStageWidth(tiny(), 2, 40);
    if (!r.ok) throw new Error(r.message);
    expect(r.spec.stages[2]!.width).toBe(40);
    expect(setStageWidth(tiny(), 0, 0).ok).toBe(false);
    expect(setStageWidth(tiny(), 0, 2.5).ok).toBe(false);
    const w = setWiden(tiny(), 4);
    expect(w.ok && w.spec.widen).toBe(4);
    expect(setWiden(tiny(), 0).ok).toBe(false);
  });

  it('lets the model schema refuse an edit that breaks its caps', () => {
    const wide = fromPaper({ arch: 'dmrnet', L: 96, widen: 4 });
    const r = checked(setWiden(wide, 16));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/not made/);
  });
});
