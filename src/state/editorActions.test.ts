import { beforeEach, describe, expect, it } from 'vitest';
import { analyzeNetwork } from '../model/analysis';
import { useAppStore } from './store';
import { initialEditorState } from './editorSlice';
import {
  addBlock,
  choosePreset,
  currentShareHash,
  editorState,
  loadShareHash,
  moveBlock,
  setWiden,
} from './editorActions';

beforeEach(() => useAppStore.setState({ editor: initialEditorState() }));

describe('editor actions', () => {
  it('regenerates the preset from the sliders, rounding L to whole blocks', () => {
    choosePreset({ arch: 'dmrnet', L: 95 });
    expect(editorState().preset?.L).toBe(96);
    expect(analyzeNetwork(editorState().spec).params).toBe(3_071_450);
    choosePreset({ arch: 'resnet', L: 13 });
    expect(editorState().preset?.L).toBe(12);
    expect(analyzeNetwork(editorState().spec).params).toBe(369_690);
  });

  it("refuses a preset beyond the schema's caps with a message, keeping the network", () => {
    const before = editorState().spec;
    choosePreset({ arch: 'dmrnet', L: 120, widen: 8, K: 6 });
    expect(editorState().spec).toBe(before);
    expect(editorState().notices.at(-1)?.text).toMatch(/not made: it has [\d,]+ parameters/);
  });

  it('leaves the preset on a hand edit, and the widen slider then rescales the custom network', () => {
    expect(addBlock(0, { kind: 'residual', branches: 1, layersPerBranch: 2 }, 0)).toBe(true);
    expect(editorState().preset).toBeNull();
    expect(editorState().selected).toEqual({ stage: 0, index: 0 });
    expect(moveBlock({ stage: 0, index: 0 }, { stage: 1, index: 1 })).toBe(true);
    expect(editorState().spec.stages[1]!.blocks[1]!.kind).toBe('residual');
    expect(setWiden(2)).toBe(true);
    expect(editorState().spec.widen).toBe(2);
    expect(editorState().spec.stages[1]!.blocks).toHaveLength(3);
  });

  it('opens its own share hash, and keeps the defaults with a message for a spoiled one', () => {
    choosePreset({ arch: 'dilnet', L: 24 });
    const hash = currentShareHash();
    useAppStore.setState({ editor: initialEditorState() });
    loadShareHash(hash);
    expect(editorState().spec.name).toMatch(/DILNet/);
    useAppStore.setState({ editor: initialEditorState() });
    const defaults = editorState().spec;
    loadShareHash(hash.slice(0, 40));
    expect(editorState().spec).toBe(defaults);
    expect(editorState().notices[0]?.tone).toBe('error');
  });
});
