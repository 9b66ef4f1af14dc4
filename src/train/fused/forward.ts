/**
 * The network's forward pass walked from the plan (src/model/plan.ts), with the
 * BN [+ add] [+ ReLU] tail of every layer left to the caller: the fused step plugs in the
 * one-dispatch kernel, the reference plugs in plain tfjs ops. Same names, same weights,
 * same maths as the builder (conv3x3 pad 1 / conv1x1 pad 0, no bias; Eq. 1-3).
 */
import * as tf from '@tensorflow/tfjs';
import type { ConvBnPlan, NetworkPlan } from '../../model/plan';

/** BN named `bn` on conv output `h`, plus `residual` when given, then ReLU when `relu`. */
export type BnTail = (
  h: tf.Tensor4D,
  bn: string,
  residual: tf.Tensor4D | null,
  relu: boolean,
) => tf.Tensor4D;

export type WeightLookup = (name: string) => tf.Tensor;

/**
 * conv(input, filter, stride, pad); `inputGrad` is false for the stems, whose input is the
 * image: nothing needs its gradient.
 */
export type ConvOp = (
  input: tf.Tensor4D,
  filter: tf.Tensor4D,
  stride: number,
  pad: number,
  inputGrad: boolean,
) => tf.Tensor4D;

const tfjsConv: ConvOp = (input, filter, stride, pad) => tf.conv2d(input, filter, stride, pad);

function average(xs: tf.Tensor4D[]): tf.Tensor4D {
  return xs.length === 1 ? xs[0]! : (tf.addN(xs).mul(1 / xs.length) as tf.Tensor4D);
}

/** Logits [N, classes] of NHWC input `x`. */
export function forwardLogits(
  plan: NetworkPlan,
  weight: WeightLookup,
  x: tf.Tensor4D,
  bnTail: BnTail,
  convOp: ConvOp = tfjsConv,
): tf.Tensor2D {
  const conv = (input: tf.Tensor4D, l: ConvBnPlan): tf.Tensor4D =>
    convOp(
      input,
      weight(`${l.conv}.weight`) as tf.Tensor4D,
      l.stride,
      l.kernel === 3 ? 1 : 0,
      input !== x,
    );
  const layer = (
    input: tf.Tensor4D,
    l: ConvBnPlan,
    residual: tf.Tensor4D | null = null,
    relu = l.relu,
  ): tf.Tensor4D => bnTail(conv(input, l), l.bn, residual, relu);
  /** A branch H whose last BN takes the residual and the ReLU flag of the block's sum. */
  const branch = (
    input: tf.Tensor4D,
    layers: ConvBnPlan[],
    residual: tf.Tensor4D | null,
    relu: boolean,
  ): tf.Tensor4D => {
    let h = input;
    layers.forEach((l, i) => {
      h = i === layers.length - 1 ? layer(h, l, residual, relu) : layer(h, l);
    });
    return h;
  };
  const shortcut = (input: tf.Tensor4D, p: ConvBnPlan | undefined): tf.Tensor4D =>
    p ? layer(input, p) : input;
  /** ReLU(r + sum_j H_j(x_j)) as a chain of BN + add tails, the ReLU on the last. */
  const sumOfBranches = (inputs: tf.Tensor4D[], branches: ConvBnPlan[][], r: tf.Tensor4D) => {
    let acc = r;
    branches.forEach((layers, j) => {
      acc = branch(inputs[j]!, layers, acc, j === branches.length - 1);
    });
    return acc;
  };

  let streams = plan.stems.map((s) => layer(x, s));
  for (const block of plan.blocks) {
    if (streams.length !== block.inputStreams) {
      // One stream becomes K by copying; K become one (or another K) by averaging (spec.ts).
      const one = streams.length === 1 ? streams[0]! : average(streams);
      streams = Array.from({ length: block.inputStreams }, () => one);
    }
    switch (block.kind) {
      case 'residual': // Eq. 1: x' = ReLU(H(x) + P(x))
      case 'inception': {
        // Eq. 2: x' = ReLU(H1(x) + H2(x) + P(x))
        const x0 = streams[0]!;
        const inputs = block.branches.map(() => x0);
        streams = [sumOfBranches(inputs, block.branches, shortcut(x0, block.projections[0]))];
        break;
      }
      case 'identity': // Table 5: x_i' = ReLU(H_i(x_i) + P_i(x_i))
        streams = streams.map((s, k) =>
          branch(s, block.branches[k]!, shortcut(s, block.projections[k]), true),
        );
        break;
      case 'mergeAndRun': {
        // Eq. 3: m = mean_i P_i(x_i); x_i' = ReLU(H_i(x_i) + m); fused: ReLU(m + sum_i H_i(x_i)).
        const m = average(streams.map((s, k) => shortcut(s, block.projections[k])));
        streams = block.fuse
          ? [sumOfBranches(streams, block.branches, m)]
          : streams.map((s, k) => branch(s, block.branches[k]!, m, true));
        break;
      }
    }
  }
  const head = (features: tf.Tensor4D, k: number): tf.Tensor2D => {
    const fc = plan.classifiers[k]!;
    const pooled = tf.mean(features, [1, 2]) as tf.Tensor2D;
    return tf.add(tf.matMul(pooled, weight(fc.weight) as tf.Tensor2D), weight(fc.bias));
  };
  if (plan.classifiers.length === 1) return head(average(streams), 0);
  // Table 5 without sharing: one classifier per stream, logits averaged.
  const logits = streams.map((s, k) => head(s, k));
  return tf.addN(logits).mul(1 / logits.length) as tf.Tensor2D;
}
