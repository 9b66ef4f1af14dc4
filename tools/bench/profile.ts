/**
 * Per-op timings on the current backend (bench.html?mode=profile): each op run `reps` times,
 * then awaited, so one can see which kernel dominates a step.
 */
import * as tf from '@tensorflow/tfjs';
import { bnAddReluFused, bnAddReluReference } from '../../src/train/fused/bnAddRelu';
import { conv2dFused } from '../../src/train/fused/conv';

async function time(label: string, reps: number, f: () => tf.Tensor): Promise<string> {
  const warm = f();
  await warm.data();
  warm.dispose();
  const t0 = performance.now();
  const outs: tf.Tensor[] = [];
  for (let i = 0; i < reps; i++) outs.push(f());
  await outs[outs.length - 1]!.data();
  tf.dispose(outs);
  return `${label}: ${((performance.now() - t0) / reps).toFixed(1)} ms`;
}

export async function runProfile(): Promise<string[]> {
  const x = tf.randomNormal([8, 32, 32, 8]) as tf.Tensor4D;
  const r = tf.randomNormal([8, 32, 32, 8]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 8, 8]) as tf.Tensor4D;
  const g = tf.ones([8]) as tf.Tensor1D;
  const b = tf.zeros([8]) as tf.Tensor1D;
  const dy = tf.randomNormal([8, 32, 32, 8]) as tf.Tensor4D;
  const lines: string[] = [];
  const reps = 10;
  lines.push(await time('conv pad 1', reps, () => tf.conv2d(x, w, 1, 1)));
  lines.push(await time('conv same', reps, () => tf.conv2d(x, w, 1, 'same')));
  lines.push(
    await time('conv dw', reps, () =>
      tf.grad((wi: tf.Tensor) => tf.conv2d(x, wi as tf.Tensor4D, 1, 1))(w, dy),
    ),
  );
  lines.push(
    await time('conv dx pad1', reps, () =>
      tf.conv2dTranspose(dy, w, [8, 32, 32, 8], 1, 1 as unknown as 'same'),
    ),
  );
  lines.push(
    await time('conv dx same', reps, () => tf.conv2dTranspose(dy, w, [8, 32, 32, 8], 1, 'same')),
  );
  lines.push(await time('conv ours pad 1', reps, () => conv2dFused(x, w, 1, 1)));
  const convGrads = (ours: boolean) => () =>
    tf.tidy(() => {
      const conv = (xi: tf.Tensor, wi: tf.Tensor) =>
        ours
          ? conv2dFused(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, 1)
          : tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, 1);
      const [dx, dw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) => tf.sum(tf.mul(conv(xi, wi), dy)))(
        [x, w],
      );
      return tf.add(tf.sum(dx!), tf.sum(dw!));
    });
  lines.push(await time('conv tfjs fwd+bwd', reps, convGrads(false)));
  lines.push(await time('conv ours fwd+bwd', reps, convGrads(true)));
  lines.push(await time('add', reps, () => tf.add(x, r)));
  lines.push(
    await time('bn fused fwd', reps, () => bnAddReluFused(x, g, b, r, { relu: true, eps: 2e-5 })),
  );
  lines.push(
    await time(
      'bn ref fwd',
      reps,
      () => bnAddReluReference(x, g, b, r, { relu: true, eps: 2e-5 }).y,
    ),
  );
  const gradOf = (fused: boolean) => () =>
    tf.tidy(() => {
      const f = (xi: tf.Tensor) =>
        fused
          ? bnAddReluFused(xi as tf.Tensor4D, g, b, r, { relu: true, eps: 2e-5 })
          : bnAddReluReference(xi as tf.Tensor4D, g, b, r, { relu: true, eps: 2e-5 }).y;
      return tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(f(xi), dy)))(x);
    });
  lines.push(await time('bn fused fwd+bwd', reps, gradOf(true)));
  lines.push(await time('bn ref fwd+bwd', reps, gradOf(false)));
  tf.dispose([x, r, w, g, b, dy]);
  return lines;
}
