/**
 * The training step, in one place so fused kernels can replace it: forward in training mode,
 * softmax cross-entropy, gradients of every trainable variable, then one SGD update with
 * Nesterov momentum and weight decay over all of them (Section 4.2). BN running averages are
 * updated outside the gradient computation. Nothing is read back here: the caller gets the
 * loss and the count of correct predictions as scalars still on the device.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchStats, BuiltNetwork, NamedVariable } from '../model/network';
import type { DecayRule } from '../model/recipe';
import type { SgdConfig } from '../protocol/training';

export type { DecayRule, SgdConfig };

export const PAPER_SGD: SgdConfig = {
  momentum: 0.9,
  weightDecay: 1e-4,
  nesterov: true,
  decay: 'all',
};

/** One momentum buffer per trainable variable, in the network's order. */
export interface OptimizerSlots {
  velocities: NamedVariable[];
  dispose(): void;
}

export function createOptimizerSlots(trainable: NamedVariable[]): OptimizerSlots {
  const velocities = trainable.map(({ name, variable }) => ({
    name,
    variable: tf.variable(tf.zerosLike(variable), false, `${name}.momentum_${uniqueId()}`),
  }));
  return {
    velocities,
    dispose: () => velocities.forEach((v) => v.variable.dispose()),
  };
}

let slotCounter = 0;
function uniqueId(): number {
  return ++slotCounter;
}

/**
 * The rule a config trains with. A config without one was stored before the rule was an
 * option, when the playground used MXNet's default: it resumes with that.
 */
export function decayRuleOf(config: SgdConfig): DecayRule {
  return config.decay ?? 'weights-gamma';
}

/**
 * Whether weight decay applies to the parameter `name` under `rule`. 'all' is the authors'
 * code: fusenet trains with its own Nesterov optimizer (utility.py, "same with torch
 * implementation"), which decays every parameter ending in _weight, _bias, _gamma and _beta.
 * 'weights-gamma' is MXNet's default (`wd_mult` 0 for biases and BN beta).
 */
export function decays(name: string, rule: DecayRule): boolean {
  return rule === 'all' || !(name.endsWith('.bias') || name.endsWith('.beta'));
}

/**
 * The update for every variable at once (as MXNet's and PyTorch's Nesterov SGD):
 *   g = grad + wd * w;  v = mu * v + g;  w = w - lr * (g + mu * v)   (Nesterov)
 *                                        w = w - lr * v              (plain momentum)
 */
export function applySgdUpdate(
  trainable: NamedVariable[],
  slots: OptimizerSlots,
  grads: Record<string, tf.Tensor>,
  lr: number,
  config: SgdConfig,
): void {
  tf.tidy(() => {
    const lrT = tf.scalar(lr);
    const mu = tf.scalar(config.momentum);
    const wd = tf.scalar(config.weightDecay);
    const rule = decayRuleOf(config);
    trainable.forEach(({ name, variable }, i) => {
      const grad = grads[variable.name];
      if (!grad) throw new Error(`No gradient for ${name}: it does not reach the loss`);
      const velocity = slots.velocities[i]!.variable;
      const g = decays(name, rule) && config.weightDecay !== 0 ? grad.add(variable.mul(wd)) : grad;
      const v = velocity.mul(mu).add(g);
      const direction = config.nesterov ? g.add(v.mul(mu)) : v;
      velocity.assign(v);
      variable.assign(variable.sub(direction.mul(lrT)));
    });
  });
}

export interface StepOutput {
  /** Mean cross-entropy of the batch (a scalar on the device; the caller disposes it). */
  loss: tf.Scalar;
  /** Number of correctly classified images in the batch (a scalar; the caller disposes it). */
  correct: tf.Scalar;
}

/** Cross-entropy of logits against integer labels, averaged over the batch. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels, logits.shape[1]);
    return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
  });
}

export function countCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => logits.argMax(1).toInt().equal(labels.toInt()).sum().toFloat() as tf.Scalar);
}

/**
 * One training step on a normalised NHWC batch `x` with int32 `labels`; with `bnGroups` > 1,
 * ghost batch norm over that many groups of the batch (model/batchNorm.ts).
 */
export function trainStep(
  net: BuiltNetwork,
  slots: OptimizerSlots,
  x: tf.Tensor4D,
  labels: tf.Tensor1D,
  lr: number,
  config: SgdConfig,
  bnGroups = 1,
): StepOutput {
  let stats: BatchStats | null = null;
  let logitsKept: tf.Tensor2D | null = null;
  const variables = net.trainable.map((v) => v.variable);
  // variableGrads runs `f` in a tidy: keep what must outlive it (BN batch statistics, logits).
  const { value, grads } = tf.variableGrads(() => {
    const out = net.apply(x, true, bnGroups);
    for (const s of out.stats.values()) {
      tf.keep(s.mean);
      tf.keep(s.variance);
    }
    stats = out.stats;
    logitsKept = tf.keep(out.logits);
    return crossEntropy(out.logits, labels);
  }, variables);
  try {
    applySgdUpdate(net.trainable, slots, grads, lr, config);
    if (stats) net.updateRunningStats(stats);
    const correct = countCorrect(logitsKept!, labels);
    return { loss: value, correct };
  } finally {
    tf.dispose(grads);
    if (stats) {
      for (const s of (stats as BatchStats).values()) tf.dispose([s.mean, s.variance]);
    }
    if (logitsKept) (logitsKept as tf.Tensor).dispose();
  }
}

// A type, not an interface: tf.tidy returns it (a TensorContainer needs an index signature).
export type EvalOutput = {
  lossSum: tf.Scalar;
  correct: tf.Scalar;
  /** Each image's predicted class (int32): the argmax the correct count is made from. */
  predictions: tf.Tensor1D;
};

/**
 * A test batch's summed loss, correct count and predictions from its logits (call inside a
 * tidy). The predictions are the argmax the count needs anyway, so the confusion matrix
 * (src/train/passInsights.ts) costs the test pass no extra GPU work but reading them back.
 */
export function evalFromLogits(logits: tf.Tensor2D, labels: tf.Tensor1D): EvalOutput {
  const lossSum = crossEntropy(logits, labels).mul(labels.shape[0]) as tf.Scalar;
  const predictions = logits.argMax(1).toInt() as tf.Tensor1D;
  const correct = predictions.equal(labels.toInt()).sum().toFloat() as tf.Scalar;
  return { lossSum, correct, predictions };
}

/** Inference-mode forward pass (BN on running averages): loss sum, correct count, predictions. */
export function evalBatch(net: BuiltNetwork, x: tf.Tensor4D, labels: tf.Tensor1D): EvalOutput {
  return tf.tidy(() => evalFromLogits(net.apply(x, false).logits, labels));
}
