/**
 * The editor's state: the network being edited (the one NetworkSpec the graph, the counts and
 * new runs read), the preset it came from (null once edited by hand), the hyperparameters,
 * networks pinned for comparison, and view state (expanded runs, selection, classroom mode).
 */
import type { StateCreator } from 'zustand';
import type { NetworkSpec } from '../model/spec';
import { fromPaper, type PaperArch } from '../model/presets';
import { DEFAULT_HYPERPARAMETERS, type Hyperparameters } from '../model/hyperparameters';

export interface PresetChoice {
  arch: PaperArch;
  /** Table 2's L: plain depth 2L + 2. */
  L: number;
  widen: number;
  /** Branches (streams) for DILNet, DMRNet and identity networks. */
  K: number;
  sharing: 'full' | 'none';
}

export interface PinnedNetwork {
  id: string;
  label: string;
  spec: NetworkSpec;
}

export interface BlockSelection {
  stage: number;
  index: number;
}

export interface EditorSlice {
  editor: {
    spec: NetworkSpec;
    preset: PresetChoice | null;
    hyper: Hyperparameters;
    /** At most two more networks drawn in the path-length histogram beside the current one. */
    pinned: PinnedNetwork[];
    /** Ids of runs of identical blocks drawn block by block. */
    expanded: string[];
    selected: BlockSelection | null;
    /** Messages for the person: a refused edit, a bad share link. */
    notices: { id: number; text: string; tone: 'info' | 'error' }[];
    classroom: boolean;
  };
}

export const DEFAULT_PRESET: PresetChoice = {
  arch: 'dmrnet',
  L: 12,
  widen: 1,
  K: 2,
  sharing: 'full',
};

export function specForPreset(p: PresetChoice): NetworkSpec {
  return fromPaper({ arch: p.arch, L: p.L, widen: p.widen, K: p.K, sharing: p.sharing });
}

export function initialEditorState(): EditorSlice['editor'] {
  return {
    spec: specForPreset(DEFAULT_PRESET),
    preset: DEFAULT_PRESET,
    hyper: DEFAULT_HYPERPARAMETERS,
    pinned: [],
    expanded: [],
    selected: null,
    notices: [],
    classroom: false,
  };
}

export const createEditorSlice: StateCreator<EditorSlice, [], [], EditorSlice> = () => ({
  editor: initialEditorState(),
});
