/**
 * The contract between the model builder and the trainer: a built network is its weights as
 * tfjs variables, in a stable order with stable names, and a forward function made of plain
 * tfjs ops (no tfjs-layers), so the training step can be replaced by fused kernels.
 */
import type * as tf from '@tensorflow/tfjs';
import type { NetworkSpec } from './spec';

export interface NamedVariable {
  /**
   * Stable, meaningful name, e.g. "conv0.conv.weight", "stage2.block0.stream1.branch.conv0.weight",
   * "stage2.block0.stream1.proj.bn.gamma", "fc.weight". Checkpoints and the PyTorch export
   * rely on these names and on this order.
   */
  name: string;
  variable: tf.Variable;
}

/** Batch statistics of every BN layer in a training-mode forward pass, keyed by BN name. */
export type BatchStats = Map<string, { mean: tf.Tensor1D; variance: tf.Tensor1D }>;

export interface BuiltNetwork {
  spec: NetworkSpec;
  /** Trainable weights: conv kernels (HWIO), BN gamma and beta, FC weight and bias. */
  trainable: NamedVariable[];
  /** BN moving mean and variance (updated by `updateRunningStats`, never by gradients). */
  nonTrainable: NamedVariable[];
  /**
   * Forward pass on NHWC float input, returns logits [N, classes]. With training=true, BN uses
   * batch statistics and returns them in `stats` (the caller updates the running averages
   * outside the gradient computation); with training=false, BN uses the running averages.
   * `bnGroups` > 1 (training only): ghost batch norm, statistics per group of N / bnGroups
   * consecutive images (model/batchNorm.ts), the groups' average returned in `stats`.
   */
  apply(
    x: tf.Tensor4D,
    training: boolean,
    bnGroups?: number,
  ): { logits: tf.Tensor2D; stats: BatchStats };
  /** running = momentum * running + (1 - momentum) * batch (momentum 0.9, as the authors). */
  updateRunningStats(stats: BatchStats): void;
  dispose(): void;
}
