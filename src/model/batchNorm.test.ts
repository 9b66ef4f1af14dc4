import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormTraining, bnGroups, ghostBatchNormTraining } from './batchNorm';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const EPS = 2e-5;

/** The same maths by autodiff through tf.moments and tf.batchNorm. */
function reference(y: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor4D {
  const { mean, variance } = tf.moments(y, [0, 1, 2]);
  return tf.batchNorm(y, mean, variance, beta, gamma, EPS) as tf.Tensor4D;
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) =>
  tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number;

describe('batchNormTraining (hand-written gradient)', () => {
  it('matches autodiff through tf.moments + tf.batchNorm: output, statistics, gradients', () => {
    tf.tidy(() => {
      const y = tf.randomNormal([3, 5, 4, 6], 0.7, 2, 'float32', 1) as tf.Tensor4D;
      const gamma = tf.randomNormal([6], 1, 0.3, 'float32', 2) as tf.Tensor1D;
      const beta = tf.randomNormal([6], 0, 0.3, 'float32', 3) as tf.Tensor1D;
      const w = tf.randomNormal([3, 5, 4, 6], 0, 1, 'float32', 4); // a non-trivial loss
      const loss = (f: typeof reference) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(tf.square(f(a as tf.Tensor4D, b as tf.Tensor1D, c as tf.Tensor1D)), w));
      const mine = (a: tf.Tensor4D, b: tf.Tensor1D, c: tf.Tensor1D) =>
        batchNormTraining(a, b, c, EPS).out;
      expect(maxDiff(mine(y, gamma, beta), reference(y, gamma, beta))).toBeLessThan(1e-5);
      const { mean, variance } = batchNormTraining(y, gamma, beta, EPS);
      const m = tf.moments(y, [0, 1, 2]);
      expect(maxDiff(mean, m.mean)).toBeLessThan(1e-5);
      expect(maxDiff(variance, m.variance)).toBeLessThan(1e-4);
      const gMine = tf.grads(loss(mine))([y, gamma, beta]);
      const gRef = tf.grads(loss(reference))([y, gamma, beta]);
      gMine.forEach((g, i) => {
        const scale = tf.max(tf.abs(gRef[i]!)).dataSync()[0] as number;
        expect(maxDiff(g, gRef[i]!) / scale).toBeLessThan(1e-4);
      });
    });
  });

  it('needs far fewer full-size kernels than autodiff (tf.profile)', async () => {
    const y = tf.variable(tf.randomNormal([4, 8, 8, 16], 0, 1, 'float32', 5));
    const gamma = tf.variable(tf.ones([16]));
    const beta = tf.variable(tf.zeros([16]));
    const count = async (f: () => tf.Tensor) => {
      const prof = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.square(f())) as tf.Scalar,
          [y, gamma, beta],
        );
        tf.dispose([value, ...Object.values(grads)]);
      });
      // Kernels writing a full-size tensor or reading one into a reduction.
      return prof.kernels.filter(
        (k) =>
          !['Identity', 'Reshape', 'Cast'].includes(k.name) &&
          (k.inputShapes.some((s) => s.length === 4) || (k.outputShapes[0]?.length ?? 0) === 4),
      ).length;
    };
    const mine = await count(
      () => batchNormTraining(y as tf.Tensor4D, gamma as tf.Tensor1D, beta as tf.Tensor1D, EPS).out,
    );
    const autodiff = await count(() =>
      reference(y as tf.Tensor4D, gamma as tf.Tensor1D, beta as tf.Tensor1D),
    );
    expect(mine).toBeLessThan(autodiff);
    // No leaks: statistics and intermediates live in the caller's scope.
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () =>
          tf.sum(
            batchNormTraining(y as tf.Tensor4D, gamma as tf.Tensor1D, beta as tf.Tensor1D, EPS).out,
          ) as tf.Scalar,
        [y, gamma, beta],
      );
      tf.dispose([value, ...Object.values(grads)]);
      batchNormTraining(y as tf.Tensor4D, gamma as tf.Tensor1D, beta as tf.Tensor1D, EPS);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([y, gamma, beta]);
  });
});

describe('ghost batch norm (BN statistics per group of the batch)', () => {
  /** Each group through tf.moments + tf.batchNorm on its own slice, by autodiff. */
  function groupedReference(groups: number) {
    return (y: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor4D =>
      tf.concat(
        tf.split(y, groups, 0).map((part) => reference(part as tf.Tensor4D, gamma, beta)),
        0,
      );
  }

  it('equals BN on each group apart: output, averaged statistics, gradients', () => {
    tf.tidy(() => {
      const y = tf.randomNormal([6, 5, 4, 3], 0.7, 2, 'float32', 11) as tf.Tensor4D;
      const gamma = tf.randomNormal([3], 1, 0.3, 'float32', 12) as tf.Tensor1D;
      const beta = tf.randomNormal([3], 0, 0.3, 'float32', 13) as tf.Tensor1D;
      const w = tf.randomNormal([6, 5, 4, 3], 0, 1, 'float32', 14);
      type F = (a: tf.Tensor4D, b: tf.Tensor1D, c: tf.Tensor1D) => tf.Tensor4D;
      const loss = (f: F) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(tf.square(f(a as tf.Tensor4D, b as tf.Tensor1D, c as tf.Tensor1D)), w));
      for (const groups of [2, 3]) {
        const mine: F = (a, b, c) => ghostBatchNormTraining(a, b, c, EPS, groups).out;
        const ref = groupedReference(groups);
        expect(maxDiff(mine(y, gamma, beta), ref(y, gamma, beta))).toBeLessThan(1e-5);
        // Whole-batch BN is measurably different: the test can tell the two apart.
        expect(maxDiff(mine(y, gamma, beta), reference(y, gamma, beta))).toBeGreaterThan(1e-3);
        const { mean, variance } = ghostBatchNormTraining(y, gamma, beta, EPS, groups);
        const parts = tf.split(y, groups, 0).map((p) => tf.moments(p, [0, 1, 2]));
        const avg = (ts: tf.Tensor[]) => tf.div(tf.addN(ts), ts.length);
        expect(maxDiff(mean, avg(parts.map((m) => m.mean)))).toBeLessThan(1e-5);
        expect(maxDiff(variance, avg(parts.map((m) => m.variance)))).toBeLessThan(1e-4);
        const gMine = tf.grads(loss(mine))([y, gamma, beta]);
        const gRef = tf.grads(loss(ref))([y, gamma, beta]);
        gMine.forEach((g, i) => {
          const scale = tf.max(tf.abs(gRef[i]!)).dataSync()[0] as number;
          expect(maxDiff(g, gRef[i]!) / scale, `groups ${groups} grad ${i}`).toBeLessThan(1e-4);
        });
      }
      // One group is plain BN.
      expect(
        maxDiff(
          ghostBatchNormTraining(y, gamma, beta, EPS, 1).out,
          batchNormTraining(y, gamma, beta, EPS).out,
        ),
      ).toBe(0);
    });
  });

  it('splits a batch only into equal groups, with a message otherwise', () => {
    expect(bnGroups(64, 32)).toBe(2);
    expect(bnGroups(64, 0)).toBe(1);
    expect(bnGroups(64, 64)).toBe(1);
    expect(bnGroups(16, 32)).toBe(1);
    expect(bnGroups(64, 24)).toMatch(/must divide the batch size \(64\)/);
    expect(bnGroups(64, -1)).toMatch(/whole number/);
  });
});
