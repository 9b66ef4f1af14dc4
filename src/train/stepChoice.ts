/**
 * Which training step a run takes, and why, in words a person sees beside the run: on WebGPU
 * the fused step (src/train/fused), except for what the fused kernels do not do. Ghost batch
 * norm (BN statistics over groups of a batch) is one: such runs take the tfjs step there, and
 * say so rather than silently train with whole-batch BN.
 */
import { bnGroups } from '../model/batchNorm';
import type { RunConfig } from '../protocol/training';

export interface StepChoice {
  fused: boolean;
  /** BN groups per batch (1: plain BN over the whole batch). */
  bnGroups: number;
  /** Shown with the run when the backend's usual step is not taken (null otherwise). */
  note: string | null;
}

export function chooseStep(config: RunConfig, backend: string): StepChoice {
  const groups = bnGroups(config.batchSize, config.bnBatch ?? 0);
  // runner.ts refuses a config whose BN batch does not divide the batch size.
  const g = typeof groups === 'number' ? groups : 1;
  if (backend !== 'webgpu') return { fused: false, bnGroups: g, note: null };
  if (g > 1) {
    return {
      fused: false,
      bnGroups: g,
      note: `Unfused WebGPU step: ghost batch norm (BN over ${config.bnBatch} of ${config.batchSize} images) is not in the fused kernels.`,
    };
  }
  return { fused: true, bnGroups: 1, note: null };
}
