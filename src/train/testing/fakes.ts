/**
 * Test doubles for the trainer's unit tests (never imported by the product): a tiny
 * hand-made BuiltNetwork (conv 3x3 -> BN -> ReLU -> global average pool -> FC) and an
 * in-memory DataSource with a deterministic order per (seed, epoch).
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchStats, BuiltNetwork, NamedVariable } from '../../model/network';
import type { NetworkSpec } from '../../model/spec';
import type { BatchRequest, DataInfo, DataSource, TrainerBatch } from '../data';
import { createRng, mixSeed } from '../../model/random';

export function tinySpec(classes = 3): NetworkSpec {
  return {
    version: 1,
    name: 'test net',
    input: { height: 8, width: 8, channels: 3 },
    classes,
    stemWidth: 4,
    widen: 1,
    // Ignored by tinyNetwork (conv -> BN -> FC); there so the spec is one the schema accepts.
    stages: [
      { width: 4, stride: 1, blocks: [{ kind: 'residual', branches: 1, layersPerBranch: 2 }] },
    ],
    sharing: 'full',
  };
}

let counter = 0;

export function tinyNetwork(spec: NetworkSpec, seed: number): BuiltNetwork {
  const rng = createRng(seed);
  const id = ++counter;
  const init = (shape: number[], scale: number) =>
    tf.tensor(
      Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (rng.next() - 0.5) * scale),
      shape,
    );
  const c = spec.stemWidth;
  const v = (name: string, t: tf.Tensor, trainable = true): NamedVariable => ({
    name,
    variable: tf.variable(t, trainable, `${name}#${id}`),
  });
  const trainable = [
    v('conv0.conv.weight', init([3, 3, spec.input.channels, c], 0.5)),
    v('conv0.bn.gamma', tf.ones([c])),
    v('conv0.bn.beta', tf.zeros([c])),
    v('fc.weight', init([c, spec.classes], 0.5)),
    v('fc.bias', tf.zeros([spec.classes])),
  ];
  const nonTrainable = [
    v('conv0.bn.running_mean', tf.zeros([c]), false),
    v('conv0.bn.running_var', tf.ones([c]), false),
  ];
  const [w, gamma, beta, fcW, fcB] = trainable.map((t) => t.variable) as [
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
  ];
  const [rMean, rVar] = nonTrainable.map((t) => t.variable) as [tf.Variable, tf.Variable];
  return {
    spec,
    trainable,
    nonTrainable,
    apply(x, training) {
      const stats: BatchStats = new Map();
      const y = tf.conv2d(x, w as tf.Tensor4D, 1, 'same');
      let mean: tf.Tensor1D = rMean as tf.Tensor1D;
      let variance: tf.Tensor1D = rVar as tf.Tensor1D;
      if (training) {
        const m = tf.moments(y, [0, 1, 2]);
        mean = m.mean as tf.Tensor1D;
        variance = m.variance as tf.Tensor1D;
        stats.set('conv0.bn', { mean, variance });
      }
      const bn = tf.batchNorm(y, mean, variance, beta as tf.Tensor1D, gamma as tf.Tensor1D, 2e-5);
      const pooled = tf.relu(bn).mean([1, 2]) as tf.Tensor2D;
      return { logits: pooled.matMul(fcW as tf.Tensor2D).add(fcB) as tf.Tensor2D, stats };
    },
    updateRunningStats(s) {
      const b = s.get('conv0.bn');
      if (!b) return;
      tf.tidy(() => {
        rMean.assign(rMean.mul(0.9).add(b.mean.mul(0.1)));
        rVar.assign(rVar.mul(0.9).add(b.variance.mul(0.1)));
      });
    },
    dispose() {
      [...trainable, ...nonTrainable].forEach((t) => t.variable.dispose());
    },
  };
}

/**
 * Images whose class shows in their colour (class k is brighter in channel k % 3), so a tiny
 * network can learn them; deterministic for a seed.
 */
export function memoryDataSource(options: {
  classes: number;
  train: number;
  test: number;
  size?: number;
}): DataSource & {
  requests: BatchRequest[];
  /** The stored import it stands for: change it to simulate a re-import of other data. */
  identity: { storageId: string; checksum: string };
  /** Set to false to simulate a deleted dataset. */
  present: { value: boolean };
} {
  const size = options.size ?? 8;
  const make = (count: number, seed: number) => {
    const rng = createRng(seed);
    const images = new Uint8Array(count * size * size * 3);
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const label = rng.int(options.classes);
      labels[i] = label;
      for (let p = 0; p < size * size; p++) {
        for (let ch = 0; ch < 3; ch++) {
          const base = ch === label % 3 ? 160 : 60;
          images[(i * size * size + p) * 3 + ch] = base + rng.int(60);
        }
      }
    }
    return { images, labels };
  };
  const splits = { train: make(options.train, 1), test: make(options.test, 2) };
  const info: DataInfo = {
    classes: options.classes,
    height: size,
    width: size,
    channels: 3,
    mean: [110, 110, 110],
    std: [60, 60, 60],
    trainCount: options.train,
    testCount: options.test,
  };
  const requests: BatchRequest[] = [];
  const identity = { storageId: 'memory#1', checksum: 'c0ffee'.repeat(10) + 'c0ff' };
  const present = { value: true };
  return {
    requests,
    identity,
    present,
    info: async (dataset) => {
      if (dataset !== 'memory' || !present.value) throw new Error(`No dataset named "${dataset}"`);
      return { ...info, ...identity };
    },
    async *batches(_dataset, request): AsyncGenerator<TrainerBatch, void, undefined> {
      requests.push(request);
      const split = splits[request.split];
      const total = Math.min(request.limit ?? Infinity, split.labels.length);
      const order = Array.from({ length: total }, (_, i) => i);
      if (request.shuffle) {
        const rng = createRng(mixSeed(request.seed, request.epoch));
        for (let i = total - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
      }
      const pixels = size * size * 3;
      for (let b = request.startBatch ?? 0; b * request.batchSize < total; b++) {
        const idx = order.slice(b * request.batchSize, (b + 1) * request.batchSize);
        const images = new Uint8Array(idx.length * pixels);
        const labels = new Int32Array(idx.length);
        idx.forEach((k, j) => {
          images.set(split.images.subarray(k * pixels, (k + 1) * pixels), j * pixels);
          labels[j] = split.labels[k]!;
        });
        yield { images, labels, size: idx.length };
      }
    },
  };
}
