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

/** Per-channel batch statistics, kept out of customGrad's tidy (it keeps only the value). */
type BatchStats = { mean: tf.Tensor1D; variance: tf.Tensor1D };

/** `out` with the statistics its forward kept, as tensors of the caller's scope. */
function withCallerStats(out: tf.Tensor4D, kept: BatchStats | null): BatchNormTrainingResult {
  if (!kept) throw new Error('internal: batch statistics were not computed');
  // Clones share the data and belong to the caller's scope (its tidy disposes them).
  const mean = tf.clone(kept.mean);
  const variance = tf.clone(kept.variance);
  tf.dispose([kept.mean, kept.variance]);
  return { out, mean, variance };
}

export function batchNormTraining(
  y: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): BatchNormTrainingResult {
  let stats: BatchStats | null = null;
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
  return withCallerStats(out, stats as BatchStats | null);
}

/**
 * The number of BN groups for ghost batch norm over `bnBatch` images of a batch of
 * `batchSize` (0 or bnBatch >= batchSize: one group, plain BN), or a message when `bnBatch`
 * does not split the batch evenly.
 */
export function bnGroups(batchSize: number, bnBatch: number): number | string {
  if (!Number.isInteger(bnBatch) || bnBatch < 0) {
    return 'The BN batch must be a whole number, 0 or more (0: the whole batch).';
  }
  if (bnBatch === 0 || bnBatch >= batchSize) return 1;
  if (batchSize % bnBatch !== 0) {
    return `The BN batch (${bnBatch}) must divide the batch size (${batchSize}) evenly, e.g. 32 of 64 as the paper's two GPUs.`;
  }
  return batchSize / bnBatch;
}

/**
 * Ghost batch norm: `batchNormTraining` with the batch split into `groups` consecutive groups
 * of images, each normalised with its own mean and variance, as on `groups` GPUs that each see
 * their share of the batch (the paper's 64 images on two GPUs: BN over 32). gamma and beta are
 * shared, so their gradients sum over the groups. The statistics returned for the running
 * averages are the groups' means of mean and variance (MXNet averages the devices' moving
 * statistics when it collects the parameters). groups = 1 is `batchNormTraining` itself.
 */
export function ghostBatchNormTraining(
  y: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  groups: number,
): BatchNormTrainingResult {
  if (groups === 1) return batchNormTraining(y, gamma, beta, epsilon);
  const [n, h, w, c] = y.shape;
  if (!Number.isInteger(groups) || groups < 1 || n % groups !== 0) {
    throw new Error(`internal: ${groups} BN groups do not split a batch of ${n}`);
  }
  // NHWC is image-major: [G, (N/G) * H, W, C] puts each group's images in one slice, and the
  // per-group statistics are reductions over axes 1 and 2.
  const grouped: [number, number, number, number] = [groups, (n / groups) * h, w, c];
  const axes = [1, 2];
  let stats: BatchStats | null = null;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, g, b, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const xg = tf.reshape(x, grouped);
    const mean = tf.mean(xg, axes, true); // [G, 1, 1, C]
    const cs = tf.sub(xg, mean);
    const variance = tf.mean(tf.square(cs), axes, true);
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const s = tf.mul(g, rstd); // [G, 1, 1, C]
    const value = tf.reshape(tf.add(tf.mul(cs, s), b), [n, h, w, c]) as tf.Tensor4D;
    stats = {
      mean: tf.keep(tf.reshape(tf.mean(mean, 0), [c]) as tf.Tensor1D),
      variance: tf.keep(tf.reshape(tf.mean(variance, 0), [c]) as tf.Tensor1D),
    };
    save([cs, rstd, s]);
    return {
      value,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [c0, r, sc] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const count = grouped[1] * grouped[2]; // values per channel in one group
        const dyg = tf.reshape(dy, grouped);
        const dbetaG = tf.sum(dyg, axes, true);
        const dycG = tf.sum(tf.mul(dyg, c0), axes, true);
        const dgamma = tf.reshape(tf.sum(tf.mul(dycG, r), [0, 1, 2]), [c]);
        const dbeta = tf.reshape(tf.sum(dbetaG, [0, 1, 2]), [c]);
        const a = tf.mul(tf.mul(sc, tf.square(r)), tf.div(dycG, -count));
        const bias = tf.mul(sc, tf.div(dbetaG, -count));
        const dx = tf.reshape(tf.add(tf.add(tf.mul(dyg, sc), tf.mul(c0, a)), bias), [n, h, w, c]);
        return [dx, dgamma, dbeta];
      },
    };
  });
  const out = f(y, gamma, beta) as tf.Tensor4D;
  return withCallerStats(out, stats as BatchStats | null);
}
