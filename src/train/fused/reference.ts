/**
 * The unfused step on the same plan walk: BN tails of plain tfjs ops (tf.moments, batchNorm,
 * add, relu) and src/train/step.ts's per-variable SGD. The fused step must match it; tests and
 * the bench's loss-curve check run both from the same weights.
 */
import * as tf from '@tensorflow/tfjs';
import { planNetwork } from '../../model/plan';
import {
  applySgdUpdate,
  countCorrect,
  createOptimizerSlots,
  crossEntropy,
  type SgdConfig,
} from '../step';
import { bnAddReluReference } from './bnAddRelu';
import { forwardLogits } from './forward';
import {
  BN_EPS,
  BN_MOMENTUM,
  weightLookup,
  type FusedTrainer,
  type TrainableNetwork,
} from './step';

export function createReferenceTrainer(net: TrainableNetwork, config: SgdConfig): FusedTrainer {
  const plan = planNetwork(net.spec);
  const weight = weightLookup(net);
  const slots = createOptimizerSlots(net.trainable);
  const variables = net.trainable.map((v) => v.variable);
  return {
    // Nothing to compile ahead: the reference runs tfjs ops as they come.
    prepare: () => Promise.resolve(null),
    step(x, labels, lr) {
      const batchStats: { bn: string; mean: tf.Tensor1D; variance: tf.Tensor1D }[] = [];
      let logitsKept: tf.Tensor2D | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const logits = forwardLogits(plan, weight, x, (h, bn, residual, relu) => {
          const out = bnAddReluReference(
            h,
            weight(`${bn}.gamma`) as tf.Tensor1D,
            weight(`${bn}.beta`) as tf.Tensor1D,
            residual,
            { relu, eps: BN_EPS },
          );
          batchStats.push({ bn, mean: tf.keep(out.mean), variance: tf.keep(out.variance) });
          return out.y;
        });
        logitsKept = tf.keep(logits);
        return crossEntropy(logits, labels);
      }, variables);
      try {
        applySgdUpdate(net.trainable, slots, grads, lr, config);
        tf.tidy(() => {
          for (const s of batchStats) {
            const rm = weight(`${s.bn}.runningMean`) as tf.Variable;
            const rv = weight(`${s.bn}.runningVar`) as tf.Variable;
            rm.assign(rm.mul(BN_MOMENTUM).add(s.mean.mul(1 - BN_MOMENTUM)));
            rv.assign(rv.mul(BN_MOMENTUM).add(s.variance.mul(1 - BN_MOMENTUM)));
          }
        });
        return { loss: value, correct: countCorrect(logitsKept!, labels) };
      } finally {
        tf.dispose(grads);
        for (const s of batchStats) tf.dispose([s.mean, s.variance]);
        if (logitsKept) (logitsKept as tf.Tensor).dispose();
      }
    },
    dispose() {
      slots.dispose();
    },
  };
}
