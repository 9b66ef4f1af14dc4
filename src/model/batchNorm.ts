/**
 * Batch normalisation in training mode with a hand-written gradient (tf.customGrad), so a
 * training step dispatches as few full-size kernels as possible on WebGPU:
 *
 *   forward:  mean, c = y - mean, var = mean(c^2), out = c * s + beta, s = gamma / sqrt(var + eps)
 *   backward: dbeta = sum(dy), dgamma = rstd * sum(dy * c),
 *             dy' = dy * s - c * (s * rstd^2 * dgamma' / n) - s * dbeta / n
 *             (dgamma' = sum(dy * c) * rstd, n = values per channel; the textbook BN gradient)
 *
 * That is 6 full-size kernels forward and 7 backward, where autodiff through tf.moments and
 * tf.batchNorm needs 26 (measured with tf.profile; see batchNorm.test.ts). Sums over N, H, W
 * per channel; the variance is the biased batch variance (MXNet and PyTorch normalise with it).
 */
import * as tf from '@tensorflow/tfjs';

export interface BatchNormTrainingResult {
  out: tf.Tensor4D;
  /** Batch mean and biased variance per channel (for the running averages). */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

const AXES = [0, 1, 2];

export function batchNormTraining(
  y: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): BatchNormTrainingResult {
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | null = null;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, g, b, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const mean = tf.mean(x, AXES) as tf.Tensor1D;
    const c = tf.sub(x, mean) as tf.Tensor4D;
    const variance = tf.mean(tf.square(c), AXES) as tf.Tensor1D;
    const rstd = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
    const s = tf.mul(g, rstd) as tf.Tensor1D;
    const value = tf.add(tf.mul(c, s), b) as tf.Tensor4D;
    // customGrad runs this in a tidy that keeps only `value`: keep the statistics, then hand
    // them to the caller's scope below.
    stats = { mean: tf.keep(mean), variance: tf.keep(variance) };
    save([c, rstd, s]);
    return {
      value,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [cs, r, sc] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
        const n = dy.size / (dy.shape[3] as number);
        const dbeta = tf.sum(dy, AXES) as tf.Tensor1D;
        const dyc = tf.sum(tf.mul(dy, cs), AXES) as tf.Tensor1D; // sum(dy * c)
        const dgamma = tf.mul(dyc, r);
        // Per-channel coefficients, then three full-size ops for the input gradient.
        const a = tf.mul(tf.mul(sc, tf.square(r)), tf.div(dyc, -n));
        const bias = tf.mul(sc, tf.div(dbeta, -n));
        const dx = tf.add(tf.add(tf.mul(dy, sc), tf.mul(cs, a)), bias);
        return [dx, dgamma, dbeta];
      },
    };
  });
  const out = f(y, gamma, beta) as tf.Tensor4D;
  const kept = stats as { mean: tf.Tensor1D; variance: tf.Tensor1D } | null;
  if (!kept) throw new Error('internal: batch statistics were not computed');
  // Clones share the data and belong to the caller's scope (its tidy disposes them).
  const mean = tf.clone(kept.mean);
  const variance = tf.clone(kept.variance);
  tf.dispose([kept.mean, kept.variance]);
  return { out, mean, variance };
}
