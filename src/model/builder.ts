/**
 * NetworkSpec -> a trainable tfjs network (the BuiltNetwork contract of ./network.ts) made of
 * plain tfjs ops on tf.Variables: no tfjs-layers, so the trainer can swap in fused kernels.
 *
 * Weight names: exactly `weightNames(spec)` of ./plan.ts, in that order (see the naming scheme
 * at the top of plan.ts): e.g. "conv0.conv.weight", "stage2.block0.stream1.branch.conv0.weight",
 * "stage2.block0.stream1.proj.bn.gamma", "stage3.block1.branch.bn1.runningVar", "fc.weight".
 * The tfjs variable's own `name` adds a per-build suffix ("@<n>") because tfjs needs globally
 * unique variable names; use `NamedVariable.name` for the stable name.
 *
 * The layers (spec note, authors' MXNet code):
 * - conv3x3 without bias, zero pad 1 (pad 0 for the 1x1 projection), stride 2 in the first
 *   layer of a stage's first block when the stage has stride 2;
 * - BN with eps 2e-5; training mode normalises with the batch moments (biased variance, as
 *   MXNet) and returns them; `updateRunningStats` does running = 0.9 running + 0.1 batch;
 *   inference mode uses the running averages;
 * - the "+" sits between BN and ReLU (Eq. 1-3); merge-and-run: m = mean_j P_j(x_j),
 *   x_i' = ReLU(H_i(x_i) + m); fused last block: ReLU(m + sum_j H_j(x_j));
 * - global average pool, FC with bias.
 * Init (authors' train_model.py): conv kernels N(0, 2 / fan_in) (MSRA / He, fan_in = k k C_in);
 * FC weight U(-sqrt(1 / in), sqrt(1 / in)) (Xavier uniform, magnitude 1, factor "in"); biases
 * and BN beta 0, gamma 1, running mean 0, running variance 1. Each weight's random stream is
 * seeded by hash(seed, name) (./random.ts: mulberry32 + Box-Muller, pure JS, the same on every
 * backend), so a weight's initial value depends only on the seed and its name.
 *
 * Speed on WebGPU (fewest full-size kernels per step): BN in training mode is one tf.customGrad
 * op with the textbook gradient (./batchNorm.ts: 6 full-size kernels forward, 7 backward, where
 * autodiff through tf.moments + tf.batchNorm takes 26); inference uses the single tf.batchNorm
 * kernel. Counted with tf.profile on a DMRNet L=12 training step (forward + backward): 897
 * compute kernels, 581 of them on full-size tensors, against 1,274 and 755 with autodiff BN
 * (`npm run bench:model` prints the counts). When K streams are the same
 * tensor with identity shortcuts (a DMRNet's first block), the merge is that tensor itself.
 */
import * as tf from '@tensorflow/tfjs';
import { ghostBatchNormTraining } from './batchNorm';
import type { BatchStats, BuiltNetwork, NamedVariable } from './network';
import { planNetwork, weightNames, type ConvBnPlan } from './plan';
import { seededNormal, seededUniform, weightSeed } from './random';
import type { NetworkSpec } from './spec';

export { weightNames };

export const BN_EPSILON = 2e-5;
export const BN_MOMENTUM = 0.9;

let buildCounter = 0;

function initialValue(info: ReturnType<typeof weightNames>[number], seed: number): tf.Tensor {
  const s = weightSeed(seed, info.name);
  switch (info.role) {
    case 'conv': {
      const [kh, kw, cin] = info.shape as [number, number, number, number];
      const n = info.shape.reduce((a, b) => a * b, 1);
      return tf.tensor(seededNormal(n, Math.sqrt(2 / (kh * kw * cin)), s), info.shape);
    }
    case 'fcWeight': {
      const limit = Math.sqrt(1 / (info.shape[0] as number));
      const n = info.shape.reduce((a, b) => a * b, 1);
      return tf.tensor(seededUniform(n, limit, s), info.shape);
    }
    case 'bnGamma':
    case 'bnRunningVar':
      return tf.ones(info.shape);
    case 'bnBeta':
    case 'bnRunningMean':
    case 'fcBias':
      return tf.zeros(info.shape);
  }
}

export interface BuildOptions {
  /** Seed of the initial weights (same seed, same spec: same weights on every backend). */
  seed: number;
}

/** The contract plus what tests and tools need: the streams before pooling, weights by name. */
export interface TfjsNetwork extends BuiltNetwork {
  features(
    x: tf.Tensor4D,
    training: boolean,
    stats?: BatchStats,
    bnGroups?: number,
  ): { streams: tf.Tensor4D[]; stats: BatchStats };
  /** The variable of a stable weight name (throws on an unknown name). */
  weight(name: string): tf.Variable;
}

export function buildNetwork(spec: NetworkSpec, options: BuildOptions): TfjsNetwork {
  const plan = planNetwork(spec);
  const id = ++buildCounter;
  const trainable: NamedVariable[] = [];
  const nonTrainable: NamedVariable[] = [];
  const byName = new Map<string, tf.Variable>();
  for (const info of weightNames(spec)) {
    const variable = tf.tidy(() =>
      tf.variable(initialValue(info, options.seed), info.trainable, `${info.name}@${id}`),
    );
    byName.set(info.name, variable);
    (info.trainable ? trainable : nonTrainable).push({ name: info.name, variable });
  }
  const v = (name: string): tf.Variable => {
    const found = byName.get(name);
    if (!found) throw new Error(`internal: no weight named ${name}`);
    return found;
  };

  function convBn(
    x: tf.Tensor4D,
    l: ConvBnPlan,
    training: boolean,
    stats: BatchStats,
    groups: number,
  ): tf.Tensor4D {
    const y = tf.conv2d(x, v(`${l.conv}.weight`) as tf.Tensor4D, l.stride, l.kernel === 3 ? 1 : 0);
    const gamma = v(`${l.bn}.gamma`) as tf.Tensor1D;
    const beta = v(`${l.bn}.beta`) as tf.Tensor1D;
    let out: tf.Tensor4D;
    if (training) {
      const bn = ghostBatchNormTraining(y, gamma, beta, BN_EPSILON, groups);
      stats.set(l.bn, { mean: bn.mean, variance: bn.variance });
      out = bn.out;
    } else {
      out = tf.batchNorm(
        y,
        v(`${l.bn}.runningMean`) as tf.Tensor1D,
        v(`${l.bn}.runningVar`) as tf.Tensor1D,
        beta,
        gamma,
        BN_EPSILON,
      );
    }
    return l.relu ? tf.relu(out) : out;
  }

  const runBranch = (
    x: tf.Tensor4D,
    layers: ConvBnPlan[],
    training: boolean,
    stats: BatchStats,
    groups: number,
  ) => layers.reduce((h, l) => convBn(h, l, training, stats, groups), x);

  /** The "+" then ReLU of Eq. 1-3 (one add for two terms, one addN for more). */
  const reluOfSum = (xs: tf.Tensor4D[]): tf.Tensor4D =>
    tf.relu(
      xs.length === 2
        ? (tf.add(xs[0] as tf.Tensor4D, xs[1] as tf.Tensor4D) as tf.Tensor4D)
        : (tf.addN(xs) as tf.Tensor4D),
    );

  const average = (xs: tf.Tensor4D[]): tf.Tensor4D => {
    const first = xs[0] as tf.Tensor4D;
    if (xs.every((t) => t === first)) return first; // mean of copies: the tensor itself
    return tf.mul(tf.addN(xs) as tf.Tensor4D, 1 / xs.length) as tf.Tensor4D;
  };

  /** The streams after the last block (before pooling), and the BN batch statistics. */
  function features(
    x: tf.Tensor4D,
    training: boolean,
    stats: BatchStats = new Map(),
    bnGroups = 1,
  ): { streams: tf.Tensor4D[]; stats: BatchStats } {
    let streams = plan.stems.map((stem) => convBn(x, stem, training, stats, bnGroups));
    for (const block of plan.blocks) {
      // Stream adaptation: K -> 1 by averaging, 1 -> K by copying (spec.ts).
      if (streams.length !== block.inputStreams) {
        const one = average(streams);
        streams = Array.from({ length: block.inputStreams }, () => one);
      }
      const shortcut = (s: tf.Tensor4D, j: number): tf.Tensor4D => {
        const p = block.projections[j];
        return p ? convBn(s, p, training, stats, bnGroups) : s;
      };
      const branchOut = (s: tf.Tensor4D, j: number) =>
        runBranch(s, block.branches[j] as ConvBnPlan[], training, stats, bnGroups);
      if (block.kind === 'residual' || block.kind === 'inception') {
        // Eq. 1 / Eq. 2: ReLU(P(x) + sum_j H_j(x)).
        const s = streams[0] as tf.Tensor4D;
        const terms = [shortcut(s, 0), ...block.branches.map((_, j) => branchOut(s, j))];
        streams = [reluOfSum(terms)];
      } else if (block.kind === 'identity') {
        // Table 5: x_i' = ReLU(H_i(x_i) + P_i(x_i)), no interaction.
        streams = streams.map((s, j) => reluOfSum([branchOut(s, j), shortcut(s, j)]));
      } else {
        // Eq. 3: m = (1/K) sum_j P_j(x_j); x_i' = ReLU(H_i(x_i) + m).
        // (A DMRNet's first block: K copies, identity shortcuts, so m is conv0's output.)
        const m = average(streams.map(shortcut));
        const h = streams.map(branchOut);
        streams = block.fuse ? [reluOfSum([m, ...h])] : h.map((hi) => reluOfSum([hi, m]));
      }
    }
    return { streams, stats };
  }

  function apply(
    x: tf.Tensor4D,
    training: boolean,
    bnGroups = 1,
  ): { logits: tf.Tensor2D; stats: BatchStats } {
    const { streams, stats } = features(x, training, new Map(), bnGroups);
    const classify = (stream: tf.Tensor4D, j: number): tf.Tensor2D => {
      const fc = plan.classifiers[j] as (typeof plan.classifiers)[number];
      const pooled = tf.mean(stream, [1, 2]) as tf.Tensor2D;
      return tf.add(tf.matMul(pooled, v(fc.weight) as tf.Tensor2D), v(fc.bias)) as tf.Tensor2D;
    };
    let logits: tf.Tensor2D;
    if (plan.classifiers.length === 1) {
      logits = classify(average(streams), 0); // shared FC: average the streams, then pool
    } else {
      // Table 5 w/o sharing: one classifier per stream, logits averaged.
      logits = tf.mul(tf.addN(streams.map(classify)), 1 / streams.length) as tf.Tensor2D;
    }
    return { logits, stats };
  }

  function updateRunningStats(stats: BatchStats): void {
    tf.tidy(() => {
      for (const [bn, { mean, variance }] of stats) {
        const rm = v(`${bn}.runningMean`);
        const rv = v(`${bn}.runningVar`);
        rm.assign(tf.add(tf.mul(rm, BN_MOMENTUM), tf.mul(mean, 1 - BN_MOMENTUM)));
        rv.assign(tf.add(tf.mul(rv, BN_MOMENTUM), tf.mul(variance, 1 - BN_MOMENTUM)));
      }
    });
  }

  return {
    spec,
    trainable,
    nonTrainable,
    apply,
    features,
    weight: v,
    updateRunningStats,
    dispose() {
      for (const { variable } of [...trainable, ...nonTrainable]) variable.dispose();
    },
  };
}
