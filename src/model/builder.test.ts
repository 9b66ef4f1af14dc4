import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeNetwork } from './analysis';
import { BN_EPSILON, buildNetwork, type TfjsNetwork } from './builder';
import { weightSeed } from './random';
import { weightNames } from './plan';
import { fromPaper, tinyClassroom } from './presets';
import type { BlockSpec, NetworkSpec } from './spec';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const randomImages = (n: number, size = 32, channels = 3, seed = 7): tf.Tensor4D =>
  tf.randomNormal([n, size, size, channels], 0, 1, 'float32', seed) as tf.Tensor4D;

const smallSpecs: Record<string, NetworkSpec> = {
  classroom: tinyClassroom({ width: 4 }),
  resnet: { ...fromPaper({ arch: 'resnet', L: 3 }), name: 'resnet L=3' },
  dilnet: fromPaper({ arch: 'dilnet', L: 6, K: 3 }),
  dmrnetK3: fromPaper({ arch: 'dmrnet', L: 6, K: 3 }),
  identityShared: fromPaper({ arch: 'identity', L: 6, sharing: 'full' }),
  identitySeparate: fromPaper({ arch: 'identity', L: 6, sharing: 'none' }),
  dmrnetSeparate: fromPaper({ arch: 'dmrnet', L: 6, sharing: 'none', classes: 100 }),
};

describe('buildNetwork on the tfjs CPU backend', () => {
  it.each(Object.entries(smallSpecs))(
    '%s: logits [N, classes], softmax sums to 1, params equal the analysis',
    (_, spec) => {
      const net = buildNetwork(spec, { seed: 1 });
      try {
        const probs = tf.tidy(() => {
          // 16x16 images keep the CPU test fast; global pooling takes any size.
          const { logits } = net.apply(randomImages(3, 16), false);
          expect(logits.shape).toEqual([3, spec.classes]);
          return tf.softmax(logits).sum(1);
        });
        for (const s of probs.dataSync()) expect(s).toBeCloseTo(1, 5);
        probs.dispose();
        const built = net.trainable.reduce((a, v) => a + v.variable.size, 0);
        expect(built).toBe(analyzeNetwork(spec).params);
        const running = net.nonTrainable.reduce((a, v) => a + v.variable.size, 0);
        expect(running).toBe(analyzeNetwork(spec).nonTrainable);
      } finally {
        net.dispose();
      }
    },
  );

  it('DMRNet L=12 has exactly 349,402 trainable parameters, named as weightNames says', () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 12 });
    const net = buildNetwork(spec, { seed: 3 });
    try {
      expect(net.trainable.reduce((a, v) => a + v.variable.size, 0)).toBe(349_402);
      const expected = weightNames(spec);
      expect(net.trainable.map((v) => v.name)).toEqual(
        expected.filter((w) => w.trainable).map((w) => w.name),
      );
      expect(net.nonTrainable.map((v) => v.name)).toEqual(
        expected.filter((w) => !w.trainable).map((w) => w.name),
      );
      for (const [i, w] of expected.filter((x) => x.trainable).entries()) {
        expect(net.trainable[i]?.variable.shape).toEqual(w.shape);
      }
      const names = expected.map((w) => w.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names).toContain('conv0.conv.weight');
      expect(names).toContain('stage2.block0.stream1.branch.conv0.weight');
      expect(names).toContain('stage2.block0.stream1.proj.bn.gamma');
      expect(names).toContain('stage3.block1.stream0.branch.bn1.runningVar');
      expect(names).toContain('fc.weight');
      expect(names).not.toContain('stage1.block0.stream0.proj.conv.weight');
    } finally {
      net.dispose();
    }
  });

  it('initialises deterministically per seed: He normal convs, BN 1/0, FC uniform', () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 12 });
    const a = buildNetwork(spec, { seed: 42 });
    const b = buildNetwork(spec, { seed: 42 });
    const c = buildNetwork(spec, { seed: 43 });
    try {
      const w = (n: TfjsNetwork, name: string) => Array.from(n.weight(name).dataSync());
      const name = 'stage3.block1.stream1.branch.conv1.weight';
      expect(w(a, name)).toEqual(w(b, name));
      expect(w(a, name)).not.toEqual(w(c, name));
      const values = w(a, name); // 3x3x64x64: std sqrt(2 / 576)
      const mean = values.reduce((s, x) => s + x, 0) / values.length;
      const std = Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / values.length);
      expect(std).toBeCloseTo(Math.sqrt(2 / 576), 2);
      expect(Math.max(...w(a, 'fc.weight').map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(1 / 64));
      expect(w(a, 'conv0.bn.gamma').every((x) => x === 1)).toBe(true);
      expect(w(a, 'conv0.bn.beta').every((x) => x === 0)).toBe(true);
      expect(w(a, 'fc.bias').every((x) => x === 0)).toBe(true);
      expect(weightSeed(42, name)).not.toBe(weightSeed(42, 'fc.weight'));
      // tfjs variable names are unique per build; the stable name is NamedVariable.name.
      expect(a.trainable[0]?.variable.name).not.toBe(b.trainable[0]?.variable.name);
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
  });

  it('BN modes: training normalises with batch moments and returns them; inference uses running averages', () => {
    const spec = tinyClassroom({ width: 4 });
    const net = buildNetwork(spec, { seed: 5 });
    try {
      const x = randomImages(6, 32, 3, 11);
      tf.tidy(() => {
        const { stats } = net.apply(x, true);
        const conv0 = tf.conv2d(x, net.weight('conv0.conv.weight') as tf.Tensor4D, 1, 1);
        const { mean, variance } = tf.moments(conv0, [0, 1, 2]);
        const s = stats.get('conv0.bn');
        expect(s).toBeDefined();
        expect(Array.from(s!.mean.dataSync())).toEqual(
          Array.from(mean.dataSync()).map((m) => expect.closeTo(m, 5)),
        );
        expect(Array.from(s!.variance.dataSync())).toEqual(
          Array.from(variance.dataSync()).map((m) => expect.closeTo(m, 5)),
        );
        // One entry per BN layer of the plan.
        const bnCount = weightNames(spec).filter((w) => w.role === 'bnGamma').length;
        expect(stats.size).toBe(bnCount);
        // running = 0.9 running + 0.1 batch (from mean 0, variance 1).
        net.updateRunningStats(stats);
        const rm = net.weight('conv0.bn.runningMean').dataSync();
        const rv = net.weight('conv0.bn.runningVar').dataSync();
        mean.dataSync().forEach((m, i) => expect(rm[i]).toBeCloseTo(0.1 * m, 5));
        variance.dataSync().forEach((v, i) => expect(rv[i]).toBeCloseTo(0.9 + 0.1 * v, 4));
      });
      // Inference is per image (no batch dependence); training mode is not.
      tf.tidy(() => {
        const one = x.slice([0, 0, 0, 0], [1, 32, 32, 3]);
        const inferAll = net.apply(x, false).logits.slice([0, 0], [1, spec.classes]);
        const inferOne = net.apply(one, false).logits;
        expect(tf.max(tf.abs(tf.sub(inferAll, inferOne))).dataSync()[0]).toBeLessThan(1e-4);
        const trainAll = net.apply(x, true).logits.slice([0, 0], [1, spec.classes]);
        const trainTwo = net
          .apply(x.slice([0, 0, 0, 0], [2, 32, 32, 3]), true)
          .logits.slice([0, 0], [1, spec.classes]);
        expect(tf.max(tf.abs(tf.sub(trainAll, trainTwo))).dataSync()[0]).toBeGreaterThan(1e-4);
      });
      x.dispose();
    } finally {
      net.dispose();
    }
  });

  it('gives a gradient to every trainable weight and leaks no tensors', () => {
    // Small input: the CPU backend's convolution gradients are slow.
    const spec = { ...tinyClassroom({ width: 4 }), input: { height: 8, width: 8, channels: 3 } };
    const net = buildNetwork(spec, { seed: 9 });
    const x = randomImages(2, 8, 3, 1);
    const labels = tf.oneHot(tf.tensor1d([1, 7], 'int32'), 10);
    try {
      const step = () => {
        const { value, grads } = tf.variableGrads(() => {
          const { logits } = net.apply(x, true);
          return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
        });
        const names = Object.keys(grads);
        expect(names.length).toBe(net.trainable.length);
        for (const v of net.trainable) {
          const g = grads[v.variable.name];
          expect(g, v.name).toBeDefined();
          expect(Number.isFinite(tf.tidy(() => g!.sum().dataSync()[0]))).toBe(true);
        }
        tf.dispose([value, ...Object.values(grads)]);
      };
      step();
      const before = tf.memory().numTensors;
      step();
      step();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      tf.dispose([x, labels]);
      net.dispose();
    }
  });
});

/**
 * Hand computation of Eq. 3. Every conv kernel is zero except its centre tap (one channel), so
 * each layer is pointwise: a 3x3 conv with pad 1 multiplies the pixel by the tap, a stride-2
 * conv (3x3 pad 1 or 1x1 pad 0) keeps the pixels at even coordinates. BN in inference mode
 * with running mean 0 and variance 1 divides by sqrt(1 + eps).
 */
describe('merge-and-run block against a hand computation (Eq. 3)', () => {
  const s = 1 / Math.sqrt(1 + BN_EPSILON);
  const relu = (v: number) => Math.max(0, v);
  const mar = (fuse = false): BlockSpec =>
    fuse
      ? { kind: 'mergeAndRun', branches: 2, layersPerBranch: 2, fuse: true }
      : { kind: 'mergeAndRun', branches: 2, layersPerBranch: 2 };
  const spec = (stride2: boolean, fuse: boolean): NetworkSpec => ({
    version: 1,
    name: 'hand',
    input: { height: 4, width: 4, channels: 1 },
    classes: 2,
    stemWidth: 1,
    widen: 1,
    sharing: 'full',
    stages: [
      { width: 1, stride: 1, blocks: [mar()] },
      { width: 1, stride: stride2 ? 2 : 1, blocks: [mar(fuse)] },
    ],
  });
  const setTap = (net: TfjsNetwork, name: string, value: number) => {
    const w = net.weight(name);
    const k = w.shape[0] as number;
    const data = new Float32Array(k * k);
    data[Math.floor((k * k) / 2)] = value;
    w.assign(tf.tensor4d(data, w.shape as [number, number, number, number]));
  };
  const taps: Record<string, number> = {
    'conv0.conv.weight': 1.5,
    'stage1.block0.stream0.branch.conv0.weight': 0.8,
    'stage1.block0.stream0.branch.conv1.weight': -1.2,
    'stage1.block0.stream1.branch.conv0.weight': -0.6,
    'stage1.block0.stream1.branch.conv1.weight': 0.9,
    'stage2.block0.stream0.branch.conv0.weight': 1.1,
    'stage2.block0.stream0.branch.conv1.weight': 0.7,
    'stage2.block0.stream1.branch.conv0.weight': 0.5,
    'stage2.block0.stream1.branch.conv1.weight': -1.3,
    'stage2.block0.stream0.proj.conv.weight': 0.4,
    'stage2.block0.stream1.proj.conv.weight': -0.9,
  };
  const tap = (n: string) => taps[n] as number;
  const H = (block: string, stream: number, v: number) =>
    tap(`${block}.stream${stream}.branch.conv1.weight`) *
    s *
    relu(tap(`${block}.stream${stream}.branch.conv0.weight`) * s * v);

  /** Per pixel: the two streams after block 2 (or the fused stream). */
  function byHand(x: number, projection: boolean, fuse: boolean): number[] {
    const z = relu(tap('conv0.conv.weight') * s * x);
    // Block 1: both streams start as z; identity shortcuts, so m = (z + z) / 2 = z.
    const a = relu(H('stage1.block0', 0, z) + z);
    const b = relu(H('stage1.block0', 1, z) + z);
    const pa = projection ? tap('stage2.block0.stream0.proj.conv.weight') * s * a : a;
    const pb = projection ? tap('stage2.block0.stream1.proj.conv.weight') * s * b : b;
    const m = (pa + pb) / 2;
    const ha = H('stage2.block0', 0, a);
    const hb = H('stage2.block0', 1, b);
    return fuse ? [relu(m + ha + hb)] : [relu(ha + m), relu(hb + m)];
  }

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('projection %s, fused %s', (projection, fuse) => {
    const sp = spec(projection, fuse);
    const net = buildNetwork(sp, { seed: 0 });
    try {
      for (const [name, value] of Object.entries(taps)) {
        if (net.trainable.some((v) => v.name === name)) setTap(net, name, value);
      }
      expect(net.trainable.some((v) => v.name.includes('proj'))).toBe(projection);
      const pixels = Array.from({ length: 16 }, (_, i) => ((i * 7) % 11) / 3 - 1.5);
      const x = tf.tensor4d(pixels, [1, 4, 4, 1]);
      const streams = tf.tidy(() => net.features(x, false).streams.map((t) => t.arraySync()));
      x.dispose();
      expect(streams.length).toBe(fuse ? 1 : 2);
      const size = projection ? 2 : 4;
      const step = projection ? 2 : 1;
      for (let i = 0; i < size; i++) {
        for (let j = 0; j < size; j++) {
          const expected = byHand(pixels[i * step * 4 + j * step] as number, projection, fuse);
          expected.forEach((e, k) => {
            const got = (streams[k] as number[][][][])[0]![i]![j]![0] as number;
            expect(got).toBeCloseTo(e, 5);
          });
        }
      }
    } finally {
      net.dispose();
    }
  });
});
