/** Module-level actions of the editor: presets, palette edits, pins, hyperparameters, sharing. */
import type { BlockSpec, NetworkSpec } from '../model/spec';
import {
  addBlock as addBlockTo,
  moveBlock as moveBlockIn,
  removeBlock as removeBlockFrom,
  setStageWidth as setStageWidthOf,
  setWiden as setWidenOf,
  updateBlock as updateBlockIn,
  checked,
  customName,
  type BlockAddress,
  type EditResult,
} from '../model/specEdit';
import type { Hyperparameters } from '../model/hyperparameters';
import { useAppStore } from './store';
import type { EditorSlice, PresetChoice } from './editorSlice';
import { tryFromPaper } from '../model/presets';
import { LIMITS } from '../model/schema';
import { analysisOf } from '../model/analysisCache';
import { decodeShareHash, encodeShareHash } from './urlState';

type Editor = EditorSlice['editor'];

let noticeId = 0;

function setEditor(patch: Partial<Editor> | ((e: Editor) => Partial<Editor>)): void {
  useAppStore.setState((s) => ({
    editor: { ...s.editor, ...(typeof patch === 'function' ? patch(s.editor) : patch) },
  }));
}

export function editorState(): Editor {
  return useAppStore.getState().editor;
}

export function notify(text: string, tone: 'info' | 'error' = 'info'): void {
  noticeId += 1;
  const id = noticeId;
  setEditor((e) => ({ notices: [...e.notices.slice(-3), { id, text, tone }] }));
}

export function dismissNotice(id: number): void {
  setEditor((e) => ({ notices: e.notices.filter((n) => n.id !== id) }));
}

/** Regenerates the network from a preset (the L, width and K sliders call this). */
export function choosePreset(patch: Partial<PresetChoice>): void {
  const base = editorState().preset ?? {
    arch: 'dmrnet',
    L: 12,
    widen: editorState().spec.widen,
    K: 2,
    sharing: 'full',
  };
  const next: PresetChoice = { ...base, ...patch };
  // L must give whole blocks per stage: L/3 for ResNet, L/6 for the two-branch nets.
  const step = lStep(next.arch);
  next.L = Math.max(step, Math.round(next.L / step) * step);
  if (next.arch !== 'identity' && next.arch !== 'dmrnet') next.sharing = 'full';
  const built = tryFromPaper(next);
  if (!built.ok) {
    notify(`That network cannot be built: ${built.errors.join('; ')}.`, 'error');
    return;
  }
  // fromPaper builds only well-formed networks; what is left to check is the schema's caps.
  // They are read from the same cached analysis the counts show, so a slider move analyzes
  // the network once (validateSpec would analyze it a second time).
  const a = analysisOf(built.spec, LIMITS.memoryBatch);
  const problems: string[] = [];
  if (a.params > LIMITS.params.max) {
    problems.push(
      `it has ${a.params.toLocaleString('en-US')} parameters, more than the ${LIMITS.params.max.toLocaleString('en-US')} allowed`,
    );
  }
  if (a.activationBytes + a.weightBytes > LIMITS.memoryBytes.max) {
    problems.push(
      `training it would need more than ${LIMITS.memoryBytes.max / 1024 ** 3} GiB at batch ${LIMITS.memoryBatch}`,
    );
  }
  if (problems.length > 0) {
    notify(`That network was not made: ${problems.join('; ')} (lower L, the width or K).`, 'error');
    return;
  }
  setEditor({ preset: next, spec: built.spec, expanded: [], selected: null });
}

/** The L slider's step: L/3 ResNet blocks or L/6 two-branch blocks per stage. */
export function lStep(arch: PresetChoice['arch']): number {
  return arch === 'resnet' ? 3 : 6;
}

/** Replaces the whole network (a shared link, a pinned network brought back). */
export function setSpec(spec: NetworkSpec, preset: PresetChoice | null = null): void {
  setEditor({ spec, preset, expanded: [], selected: null });
}

function apply(unchecked: EditResult): boolean {
  const result = checked(unchecked);
  if (!result.ok) {
    notify(result.message, 'error');
    return false;
  }
  // A hand edit leaves the preset: the sliders no longer describe the network, and its name
  // says it is a custom one.
  setEditor({ spec: { ...result.spec, name: customName(result.spec.name) }, preset: null });
  return true;
}

export function addBlock(stage: number, block: BlockSpec, at?: number): boolean {
  const ok = apply(addBlockTo(editorState().spec, stage, block, at));
  if (ok) {
    const s = editorState().spec.stages[stage];
    const index = Math.min(at ?? Number.MAX_SAFE_INTEGER, (s?.blocks.length ?? 1) - 1);
    setEditor({ selected: { stage, index } });
  }
  return ok;
}

export function removeBlock(stage: number, index: number): boolean {
  const ok = apply(removeBlockFrom(editorState().spec, stage, index));
  if (ok) setEditor({ selected: null });
  return ok;
}

export function moveBlock(from: BlockAddress, to: BlockAddress): boolean {
  const ok = apply(moveBlockIn(editorState().spec, from, to));
  if (ok) {
    const index = from.stage === to.stage && to.index > from.index ? to.index - 1 : to.index;
    const len = editorState().spec.stages[to.stage]?.blocks.length ?? 1;
    setEditor({ selected: { stage: to.stage, index: Math.max(0, Math.min(index, len - 1)) } });
  }
  return ok;
}

export function updateBlock(stage: number, index: number, patch: Partial<BlockSpec>): boolean {
  return apply(updateBlockIn(editorState().spec, stage, index, patch));
}

export function setStageWidth(stage: number, width: number): boolean {
  return apply(setStageWidthOf(editorState().spec, stage, width));
}

/** Widen factor: regenerates a preset, or rescales a hand-built network. */
export function setWiden(widen: number): boolean {
  if (editorState().preset) {
    choosePreset({ widen });
    return true;
  }
  return apply(setWidenOf(editorState().spec, widen));
}

export function selectBlock(sel: BlockAddress | null): void {
  setEditor({ selected: sel });
}

export function toggleExpanded(runId: string): void {
  setEditor((e) => ({
    expanded: e.expanded.includes(runId)
      ? e.expanded.filter((x) => x !== runId)
      : [...e.expanded, runId],
  }));
}

export const MAX_PINNED = 2;

/** Keeps the current network for the overlaid path-length histogram (Figure 3). */
export function pinCurrent(label: string): void {
  const { spec, pinned } = editorState();
  const id = `${Date.now().toString(36)}-${pinned.length}`;
  setEditor({ pinned: [...pinned.slice(-(MAX_PINNED - 1)), { id, label, spec }] });
}

export function unpin(id: string): void {
  setEditor((e) => ({ pinned: e.pinned.filter((p) => p.id !== id) }));
}

export function setHyperparameters(hyper: Hyperparameters): void {
  setEditor({ hyper });
}

export function setClassroom(on: boolean): void {
  setEditor({ classroom: on });
}

/** The hash that shares the current network and hyperparameters. */
export function currentShareHash(): string {
  const { spec, hyper } = editorState();
  return encodeShareHash({ spec, hyper });
}

/** Applies a share hash (on load and on hashchange); messages for whatever was refused. */
export function loadShareHash(hash: string): void {
  const decoded = decodeShareHash(hash);
  if (decoded.kind === 'none') return;
  if (decoded.spec) setSpec(decoded.spec, null);
  if (decoded.hyper) setHyperparameters(decoded.hyper);
  for (const m of decoded.messages) notify(m, 'error');
  if (decoded.spec && decoded.messages.length === 0) {
    notify(`Opened the shared network “${decoded.spec.name}”.`);
  }
}
