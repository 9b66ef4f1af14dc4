/**
 * Pure edits of a NetworkSpec for the palette and graph editor. Each returns a new spec (the
 * old one is never mutated) or a message saying why the edit was refused, so the editor can
 * show it instead of producing a network the builder would reject.
 */
import type { BlockKind, BlockSpec, NetworkSpec, StageSpec } from './spec';
import { LIMITS, validateSpec } from './schema';

export type EditResult = { ok: true; spec: NetworkSpec } | { ok: false; message: string };

/** The model schema's limits, as the editor's controls use them. */
export const EDIT_LIMITS = {
  maxBlocksPerStage: LIMITS.blocksPerStage.max,
  maxBranches: LIMITS.branches.max,
  maxLayersPerBranch: LIMITS.layersPerBranch.max,
  minWidth: LIMITS.width.min,
  maxWidth: LIMITS.width.max,
  maxWiden: LIMITS.widen.max,
} as const;

/**
 * The model core has the last word: an edit that passes the editor's own checks but breaks a
 * schema rule (stream counts, sharing, the parameter or memory cap) is refused with its words.
 */
export function checked(result: EditResult): EditResult {
  if (!result.ok) return result;
  const v = validateSpec(result.spec);
  return v.ok
    ? { ok: true, spec: v.spec }
    : { ok: false, message: `That change was not made: ${v.errors.slice(0, 3).join('; ')}.` };
}

/** What the palette offers: one entry per block kind, with the paper's defaults. */
export interface PaletteItem {
  kind: BlockKind;
  label: string;
  description: string;
  block: BlockSpec;
}

export const PALETTE: readonly PaletteItem[] = [
  {
    kind: 'residual',
    label: 'Residual',
    description: 'Eq. 1: one branch plus an identity skip (ResNet).',
    block: { kind: 'residual', branches: 1, layersPerBranch: 2 },
  },
  {
    kind: 'inception',
    label: 'Inception-like',
    description: 'Eq. 2: parallel branches on one stream, summed with the skip (DILNet).',
    block: { kind: 'inception', branches: 2, layersPerBranch: 2 },
  },
  {
    kind: 'mergeAndRun',
    label: 'Merge-and-run',
    description: 'Eq. 3: K streams; the average of their inputs is added to every branch.',
    block: { kind: 'mergeAndRun', branches: 2, layersPerBranch: 2 },
  },
  {
    kind: 'identity',
    label: 'Identity (Table 5)',
    description: 'K streams, each its own residual branch: no interaction between streams.',
    block: { kind: 'identity', branches: 2, layersPerBranch: 2 },
  },
];

export const BLOCK_KIND_LABEL: Record<BlockKind, string> = {
  residual: 'Residual',
  inception: 'Inception-like',
  mergeAndRun: 'Merge-and-run',
  identity: 'Identity',
};

function withStages(spec: NetworkSpec, stages: StageSpec[]): NetworkSpec {
  return { ...spec, stages };
}

function stageAt(spec: NetworkSpec, stage: number): StageSpec | undefined {
  return spec.stages[stage];
}

/** Normalizes a block so that its fields agree with its kind (residual has one branch). */
export function normalizeBlock(block: BlockSpec): BlockSpec {
  const branches = block.kind === 'residual' ? 1 : block.branches;
  const out: BlockSpec = { kind: block.kind, branches, layersPerBranch: block.layersPerBranch };
  if (block.kind === 'mergeAndRun' && block.fuse) out.fuse = true;
  return out;
}

function checkBlock(block: BlockSpec): string | null {
  if (!Number.isInteger(block.branches) || block.branches < 1) {
    return 'K (branches) must be a whole number of at least 1.';
  }
  if (block.kind !== 'residual' && block.branches < 2) {
    return `A ${BLOCK_KIND_LABEL[block.kind]} block needs K of at least 2.`;
  }
  if (block.branches > EDIT_LIMITS.maxBranches) {
    return `K (branches) can be at most ${EDIT_LIMITS.maxBranches}.`;
  }
  if (
    !Number.isInteger(block.layersPerBranch) ||
    block.layersPerBranch < 1 ||
    block.layersPerBranch > EDIT_LIMITS.maxLayersPerBranch
  ) {
    return `Layers per branch must be a whole number from 1 to ${EDIT_LIMITS.maxLayersPerBranch}.`;
  }
  return null;
}

export function addBlock(
  spec: NetworkSpec,
  stage: number,
  block: BlockSpec,
  at?: number,
): EditResult {
  const s = stageAt(spec, stage);
  if (!s) return { ok: false, message: `There is no stage ${stage + 1}.` };
  if (s.blocks.length >= EDIT_LIMITS.maxBlocksPerStage) {
    return {
      ok: false,
      message: `Stage ${stage + 1} already has ${EDIT_LIMITS.maxBlocksPerStage} blocks, the most the editor allows.`,
    };
  }
  const problem = checkBlock(block);
  if (problem) return { ok: false, message: problem };
  const index = Math.max(0, Math.min(at ?? s.blocks.length, s.blocks.length));
  const blocks = [...s.blocks];
  blocks.splice(index, 0, normalizeBlock(block));
  return {
    ok: true,
    spec: withStages(
      spec,
      spec.stages.map((st, i) => (i === stage ? { ...st, blocks } : st)),
    ),
  };
}

export function removeBlock(spec: NetworkSpec, stage: number, index: number): EditResult {
  const s = stageAt(spec, stage);
  if (!s || !s.blocks[index]) return { ok: false, message: 'That block does not exist.' };
  if (s.blocks.length === 1) {
    return {
      ok: false,
      message: `Stage ${stage + 1} needs at least one block (it does the downsampling).`,
    };
  }
  const blocks = s.blocks.filter((_, i) => i !== index);
  return {
    ok: true,
    spec: withStages(
      spec,
      spec.stages.map((st, i) => (i === stage ? { ...st, blocks } : st)),
    ),
  };
}

export interface BlockAddress {
  stage: number;
  index: number;
}

/**
 * Moves a block, within a stage or to another. `to.index` is the position in the target
 * stage before the move takes the block out (what a drop indicator shows).
 */
export function moveBlock(spec: NetworkSpec, from: BlockAddress, to: BlockAddress): EditResult {
  const src = stageAt(spec, from.stage);
  const dst = stageAt(spec, to.stage);
  const block = src?.blocks[from.index];
  if (!src || !dst || !block) return { ok: false, message: 'That block does not exist.' };
  if (from.stage !== to.stage && src.blocks.length === 1) {
    return {
      ok: false,
      message: `Stage ${from.stage + 1} needs at least one block; add another before moving this one.`,
    };
  }
  if (from.stage !== to.stage && dst.blocks.length >= EDIT_LIMITS.maxBlocksPerStage) {
    return { ok: false, message: `Stage ${to.stage + 1} is full.` };
  }
  const stages = spec.stages.map((st) => ({ ...st, blocks: [...st.blocks] }));
  const srcBlocks = stages[from.stage]!.blocks;
  srcBlocks.splice(from.index, 1);
  let target = to.index;
  if (from.stage === to.stage && to.index > from.index) target -= 1;
  const dstBlocks = stages[to.stage]!.blocks;
  target = Math.max(0, Math.min(target, dstBlocks.length));
  dstBlocks.splice(target, 0, block);
  return { ok: true, spec: withStages(spec, stages) };
}

export function updateBlock(
  spec: NetworkSpec,
  stage: number,
  index: number,
  patch: Partial<BlockSpec>,
): EditResult {
  const s = stageAt(spec, stage);
  const old = s?.blocks[index];
  if (!s || !old) return { ok: false, message: 'That block does not exist.' };
  let next: BlockSpec = { ...old, ...patch };
  // Switching kind: a residual block has one branch; the others need at least two.
  if (patch.kind && patch.kind !== old.kind) {
    if (patch.kind === 'residual') next.branches = 1;
    else if (next.branches < 2) next.branches = 2;
  }
  const problem = checkBlock(next);
  if (problem) return { ok: false, message: problem };
  next = normalizeBlock(next);
  const blocks = s.blocks.map((b, i) => (i === index ? next : b));
  return {
    ok: true,
    spec: withStages(
      spec,
      spec.stages.map((st, i) => (i === stage ? { ...st, blocks } : st)),
    ),
  };
}

export function setStageWidth(spec: NetworkSpec, stage: number, width: number): EditResult {
  if (!stageAt(spec, stage)) return { ok: false, message: `There is no stage ${stage + 1}.` };
  if (!Number.isInteger(width) || width < EDIT_LIMITS.minWidth || width > EDIT_LIMITS.maxWidth) {
    return {
      ok: false,
      message: `Stage width must be a whole number from ${EDIT_LIMITS.minWidth} to ${EDIT_LIMITS.maxWidth}.`,
    };
  }
  return {
    ok: true,
    spec: withStages(
      spec,
      spec.stages.map((st, i) => (i === stage ? { ...st, width } : st)),
    ),
  };
}

export function setWiden(spec: NetworkSpec, widen: number): EditResult {
  if (!Number.isInteger(widen) || widen < 1 || widen > EDIT_LIMITS.maxWiden) {
    return {
      ok: false,
      message: `The widen factor must be a whole number from 1 to ${EDIT_LIMITS.maxWiden}.`,
    };
  }
  return { ok: true, spec: { ...spec, widen } };
}

/** A hand-edited network's name says where it came from: "Custom, from DMRNet L=12 (depth 14)". */
export function customName(name: string): string {
  return name.startsWith('Custom, from ') ? name : `Custom, from ${name}`;
}
