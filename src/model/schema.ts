/**
 * Validation of a NetworkSpec from anywhere (the editor, a URL, IndexedDB, a JSON file), with
 * messages a person can act on. Shape checks by zod, then the rules a type cannot say
 * (stream counts, sharing) and caps on size (parameters, training memory).
 */
import { z } from 'zod';
import { analysisOf } from './analysisCache';
import type { NetworkSpec } from './spec';

export const LIMITS = {
  width: { min: 1, max: 512 },
  widen: { min: 1, max: 16 },
  /** Channels of any layer: width x widen. */
  channels: { max: 2048 },
  branches: { min: 2, max: 8 },
  layersPerBranch: { min: 1, max: 8 },
  blocksPerStage: { min: 1, max: 200 },
  stages: { min: 1, max: 5 },
  classes: { min: 2, max: 1000 },
  inputSize: { min: 4, max: 256 },
  inputChannels: { min: 1, max: 4 },
  /** Trainable parameters (DMRNet-Wide L=48 has 24.2M). */
  params: { max: 50_000_000 },
  /** Training memory (activations + weights) at `memoryBatch` images, in bytes. */
  memoryBytes: { max: 16 * 1024 ** 3 },
  memoryBatch: 64,
} as const;

const int = (what: string, min: number, max: number) =>
  z
    .number({ error: `${what} must be a number` })
    .int({ error: `${what} must be a whole number` })
    .min(min, { error: `${what} must be between ${min} and ${max}` })
    .max(max, { error: `${what} must be between ${min} and ${max}` });

const blockSchema = z
  .object({
    kind: z.enum(['residual', 'inception', 'mergeAndRun', 'identity'], {
      error: 'kind must be one of residual, inception, mergeAndRun, identity',
    }),
    branches: int('branches (K)', 1, LIMITS.branches.max),
    layersPerBranch: int(
      'layers per branch (B)',
      LIMITS.layersPerBranch.min,
      LIMITS.layersPerBranch.max,
    ),
    fuse: z.boolean({ error: 'fuse must be true or false' }).optional(),
  })
  .strict();

const stageSchema = z
  .object({
    width: int('width', LIMITS.width.min, LIMITS.width.max),
    stride: z.union([z.literal(1), z.literal(2)], { error: 'stride must be 1 or 2' }),
    blocks: z
      .array(blockSchema, { error: 'blocks must be a list' })
      .min(LIMITS.blocksPerStage.min, { error: 'a stage needs at least one block' })
      .max(LIMITS.blocksPerStage.max, {
        error: `a stage can have at most ${LIMITS.blocksPerStage.max} blocks`,
      }),
  })
  .strict();

export const networkSpecSchema = z
  .object({
    version: z.literal(1, { error: 'version must be 1 (this app reads spec version 1)' }),
    name: z.string({ error: 'name must be text' }).max(200, { error: 'name is too long' }),
    input: z
      .object(
        {
          height: int('input height', LIMITS.inputSize.min, LIMITS.inputSize.max),
          width: int('input width', LIMITS.inputSize.min, LIMITS.inputSize.max),
          channels: int('input channels', LIMITS.inputChannels.min, LIMITS.inputChannels.max),
        },
        { error: 'input must give height, width and channels' },
      )
      .strict(),
    classes: int('classes', LIMITS.classes.min, LIMITS.classes.max),
    stemWidth: int('stem width', LIMITS.width.min, LIMITS.width.max),
    widen: int('widen factor', LIMITS.widen.min, LIMITS.widen.max),
    stages: z
      .array(stageSchema, { error: 'stages must be a list' })
      .min(LIMITS.stages.min, { error: 'a network needs at least one stage' })
      .max(LIMITS.stages.max, { error: `a network can have at most ${LIMITS.stages.max} stages` }),
    sharing: z.enum(['full', 'none'], { error: 'sharing must be "full" or "none"' }),
  })
  .strict();

function where(path: readonly PropertyKey[]): string {
  const parts: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    const next = path[i + 1];
    if (key === 'stages' && typeof next === 'number') {
      parts.push(`stage ${next + 1}`);
      i++;
    } else if (key === 'blocks' && typeof next === 'number') {
      parts.push(`block ${next + 1}`);
      i++;
    } else if (typeof key === 'string' && !['input'].includes(key)) {
      // The message names the field itself; keep only containers.
      if (i < path.length - 1) parts.push(key);
    }
  }
  return parts.length ? `${parts.join(', ')}: ` : '';
}

/** Rules across fields, on a spec of the right shape. */
function ruleErrors(spec: NetworkSpec): string[] {
  const errors: string[] = [];
  const stemChannels = spec.stemWidth * spec.widen;
  if (stemChannels > LIMITS.channels.max) {
    errors.push(
      `stem width x widen = ${stemChannels} channels; at most ${LIMITS.channels.max} are allowed`,
    );
  }
  const sizes = { h: spec.input.height, w: spec.input.width };
  spec.stages.forEach((stage, si) => {
    const at = `stage ${si + 1}`;
    const channels = stage.width * spec.widen;
    if (channels > LIMITS.channels.max) {
      errors.push(
        `${at}: width x widen = ${channels} channels; at most ${LIMITS.channels.max} are allowed`,
      );
    }
    sizes.h = Math.ceil(sizes.h / stage.stride);
    sizes.w = Math.ceil(sizes.w / stage.stride);
    stage.blocks.forEach((block, bi) => {
      const b = `${at}, block ${bi + 1}`;
      if (block.kind === 'residual' && block.branches !== 1) {
        errors.push(`${b}: a residual block has exactly one branch (got ${block.branches})`);
      }
      if (block.kind !== 'residual' && block.branches < LIMITS.branches.min) {
        errors.push(
          `${b}: a ${block.kind} block needs K between ${LIMITS.branches.min} and ${LIMITS.branches.max} branches (got ${block.branches}); use a residual block for one branch`,
        );
      }
      if (block.fuse && block.kind !== 'mergeAndRun') {
        errors.push(`${b}: only merge-and-run blocks can fuse their streams`);
      }
    });
  });
  if (sizes.h < 1 || sizes.w < 1) errors.push('the input is too small for the strides');
  const all = spec.stages.flatMap((s) => s.blocks);
  if (spec.sharing === 'none') {
    const first = all[0];
    const k = first?.branches ?? 0;
    const ok =
      first !== undefined &&
      all.every(
        (b) => (b.kind === 'identity' || b.kind === 'mergeAndRun') && !b.fuse && b.branches === k,
      );
    if (!ok) {
      errors.push(
        'sharing "none" (Table 5) gives every stream its own conv0 and classifier: every block ' +
          'must then be an identity or merge-and-run block with the same K and no fused last block',
      );
    }
  }
  return errors;
}

function formatBytes(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

export type SpecValidation = { ok: true; spec: NetworkSpec } | { ok: false; errors: string[] };

export function validateSpec(value: unknown): SpecValidation {
  const parsed = networkSpecSchema.safeParse(value);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => `${where(issue.path)}${issue.message}`);
    return { ok: false, errors: [...new Set(errors)] };
  }
  const spec = parsed.data as NetworkSpec;
  const errors = ruleErrors(spec);
  if (errors.length > 0) return { ok: false, errors };
  // Cached on the spec object this returns: the page's counts read the same analysis.
  const analysis = analysisOf(spec, LIMITS.memoryBatch);
  if (analysis.params > LIMITS.params.max) {
    errors.push(
      `the network has ${analysis.params.toLocaleString('en-US')} parameters; at most ` +
        `${LIMITS.params.max.toLocaleString('en-US')} are allowed (lower L, the width or K)`,
    );
  }
  const memory = analysis.activationBytes + analysis.weightBytes;
  if (memory > LIMITS.memoryBytes.max) {
    errors.push(
      `training needs about ${formatBytes(memory)} at batch ${LIMITS.memoryBatch}; at most ` +
        `${formatBytes(LIMITS.memoryBytes.max)} is allowed (lower L, the width or K)`,
    );
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, spec };
}
