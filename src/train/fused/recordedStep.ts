/**
 * The training step recorded from the network plan with our own backward (issue 16, "fewer,
 * bigger kernels"): no tfjs autodiff around our kernels, so a stream read by several layers
 * costs no gradient-accumulation adds, and Eq. 3's average costs no pass of its own.
 *
 * A value flowing between layers is a weighted sum of tensors (`Terms`), never materialised
 * where it need not be: the merge-and-run average m = mean_i P_i(x_i) is the list
 * [(P_0(x_0), 1/K), ...] and the BN kernel that adds it as the residual sums it as it reads
 * (bnAddRelu.ts's `forwardCode` with several residuals). Backward, a tensor's gradient is the
 * list of its contributions (each with its weight), summed by the one kernel that reads it
 * (the BN backward of the layer that produced the tensor), not by adds; a fan-in too wide for
 * that kernel's bindings is summed by one dispatch of ours (weightedSum.ts). The classifier
 * head (pooling, the fully connected layer, the loss, its backward) is one dispatch of ours
 * (head.ts): no tfjs op is left in the step but for per-stream classifiers (Table 5 w/o
 * sharing), which keep tfjs's autodiff.
 *
 * The nodes are processed in reverse recording order: every consumer of a tensor was recorded
 * after its producer, so all of a tensor's gradient contributions are in when its producer's
 * backward reads them.
 */
import * as tf from '@tensorflow/tfjs';
import type { ConvBnPlan, NetworkPlan } from '../../model/plan';
import { countCorrect, crossEntropy } from '../step';
import { bnBackwardSource, bnForwardSource, MAX_TERMS, termWeights } from './bnAddRelu';
import {
  convBackward,
  convForward,
  convShape,
  type ConvShape,
  FilterGradBatch,
  keyOf,
} from './conv';
import { pairedConvForward } from './convPair';
import { classifierHead, HEAD_BINDINGS } from './head';
import { deviceOf, dispatch, emptyTensor } from './runtime';
import { weightedSum } from './weightedSum';

/** A weighted sum of tensors: sum_k w_k t_k. */
export type Terms = { t: tf.Tensor4D; w: number }[];

/** One term per distinct tensor (a stream copied into K streams and averaged back is itself). */
function merged(terms: Terms): Terms {
  const out: Terms = [];
  for (const { t, w } of terms) {
    const same = out.find((term) => term.t === t);
    if (same) same.w += w;
    else out.push({ t, w });
  }
  return out;
}

interface ConvNode {
  kind: 'conv';
  input: tf.Tensor4D;
  out: tf.Tensor4D;
  weight: string;
  s: ConvShape;
  inputGrad: boolean;
}

interface BnNode {
  kind: 'bn';
  h: tf.Tensor4D;
  out: tf.Tensor4D;
  bn: string;
  residual: Terms;
  relu: boolean;
  stats: tf.Tensor;
}

/** A weighted sum that had to be materialised (a conv reads a tensor, not a sum). */
interface SumNode {
  kind: 'sum';
  terms: Terms;
  out: tf.Tensor4D;
}

type Node = ConvNode | BnNode | SumNode;

export interface RecordedStepOptions {
  eps: number;
  momentum: number;
}

/**
 * Loss (mean softmax cross-entropy), logits and the gradient of every weight in `wanted`
 * (by name) for one training step; BN running averages updated in place. Call inside
 * `tf.tidy`: every intermediate tensor is left to it; `batch` is flushed before returning.
 */
export function recordedForwardBackward(
  plan: NetworkPlan,
  weight: (name: string) => tf.Tensor,
  x: tf.Tensor4D,
  labels: tf.Tensor1D,
  o: RecordedStepOptions,
  batch: FilterGradBatch,
): {
  loss: tf.Scalar;
  logits: tf.Tensor2D;
  correct: tf.Scalar;
  grads: Map<string, tf.Tensor>;
} {
  const tape: Node[] = [];
  // Storage bindings a kernel may have (8 by default; the backend asks for the adapter's):
  // the BN forward binds 7 besides its residuals, the backward 5-7 besides its gradient terms.
  const storage = deviceOf().limits.maxStorageBuffersPerShaderStage;
  const maxResiduals = Math.min(MAX_TERMS, storage - 7);
  const filterUses = new Map<string, number>();

  const materialise = (v: Terms): tf.Tensor4D => {
    if (v.length === 1 && v[0]!.w === 1) return v[0]!.t;
    const out = weightedSum(v);
    tape.push({ kind: 'sum', terms: v, out });
    return out;
  };

  const shapeOf = (input: tf.Tensor4D, l: ConvBnPlan): ConvShape =>
    convShape(input.shape, weight(`${l.conv}.weight`).shape, l.stride, l.kernel === 3 ? 1 : 0);
  const recordConv = (input: tf.Tensor4D, out: tf.Tensor4D, l: ConvBnPlan, s: ConvShape) => {
    const name = `${l.conv}.weight`;
    filterUses.set(name, (filterUses.get(name) ?? 0) + 1);
    tape.push({ kind: 'conv', input, out, weight: name, s, inputGrad: input !== x });
  };
  const conv = (input: tf.Tensor4D, l: ConvBnPlan): tf.Tensor4D => {
    const s = shapeOf(input, l);
    const out = convForward(input, weight(`${l.conv}.weight`), s);
    recordConv(input, out, l, s);
    return out;
  };
  /** The convolutions of one layer of independent branches, two to a launch where they pair. */
  const convs = (inputs: tf.Tensor4D[], ls: ConvBnPlan[]): tf.Tensor4D[] => {
    const out: tf.Tensor4D[] = [];
    for (let k = 0; k < ls.length; k += 2) {
      const [a, b] = [inputs[k]!, inputs[k + 1]];
      const [la, lb] = [ls[k]!, ls[k + 1]];
      if (b && lb) {
        const [sa, sb] = [shapeOf(a, la), shapeOf(b, lb)];
        const ys =
          keyOf(sa) === keyOf(sb)
            ? pairedConvForward(
                [a, b],
                [weight(`${la.conv}.weight`), weight(`${lb.conv}.weight`)],
                sa,
              )
            : null;
        if (ys) {
          recordConv(a, ys[0], la, sa);
          recordConv(b, ys[1], lb, sb);
          out.push(...ys);
          continue;
        }
      }
      out.push(conv(a, la));
      if (b && lb) out.push(conv(b, lb));
    }
    return out;
  };

  const bnTail = (h: tf.Tensor4D, bn: string, residual: Terms, relu: boolean): tf.Tensor4D => {
    if (residual.length > maxResiduals) residual = [{ t: materialise(residual), w: 1 }];
    const c = h.shape[3];
    const out = emptyTensor<tf.Rank.R4>(h.shape);
    const stats = emptyTensor<tf.Rank.R1>([3 * c]);
    dispatch({
      code: bnForwardSource(residual.length, relu, true),
      bindings: [
        h,
        weight(`${bn}.gamma`),
        weight(`${bn}.beta`),
        ...residual.map((r) => r.t),
        out,
        stats,
        weight(`${bn}.runningMean`),
        weight(`${bn}.runningVar`),
      ],
      uniforms: [
        { u32: h.size / c },
        { u32: c },
        { f32: o.eps },
        { f32: o.momentum },
        ...termWeights(residual.map((r) => r.w)),
      ],
      workgroups: [c],
    });
    tape.push({ kind: 'bn', h, out, bn, residual, relu, stats });
    return out;
  };

  const layer = (input: Terms, l: ConvBnPlan, residual: Terms = [], relu = l.relu): Terms => [
    { t: bnTail(conv(materialise(input), l), l.bn, residual, relu), w: 1 },
  ];
  const average = (vs: Terms[]): Terms =>
    merged(vs.flatMap((v) => v.map(({ t, w }) => ({ t, w: w / vs.length }))));
  const branch = (input: Terms, layers: ConvBnPlan[], residual: Terms, relu: boolean): Terms => {
    let h = input;
    layers.forEach((l, i) => {
      h = i === layers.length - 1 ? layer(h, l, residual, relu) : layer(h, l);
    });
    return h;
  };
  /**
   * Independent branches walked layer by layer side by side (each layer's convolutions paired
   * into one launch, `convs`), the last layer of branch k adding `residuals[k]`; `relu` null:
   * each layer's own. Branches of unequal depth are walked one after another.
   */
  const sideBySide = (
    inputs: Terms[],
    branches: ConvBnPlan[][],
    residuals: Terms[],
    relu: boolean | null,
  ): Terms[] => {
    const depth = branches[0]!.length;
    if (branches.length !== inputs.length || branches.some((b) => b.length !== depth)) {
      return inputs.map((input, k) => {
        const layers = branches[k]!;
        return branch(input, layers, residuals[k]!, relu ?? layers[layers.length - 1]!.relu);
      });
    }
    let hs = inputs;
    for (let i = 0; i < depth; i++) {
      const ls = branches.map((b) => b[i]!);
      const ys = convs(hs.map(materialise), ls);
      const last = i === depth - 1;
      hs = ys.map((y, k) => {
        const l = ls[k]!;
        return [
          {
            t: bnTail(y, l.bn, last ? residuals[k]! : [], last && relu !== null ? relu : l.relu),
            w: 1,
          },
        ];
      });
    }
    return hs;
  };
  /** Each stream's projection shortcut (side by side), or the streams when there are none. */
  const shortcuts = (inputs: Terms[], ps: ConvBnPlan[]): Terms[] =>
    ps.length === inputs.length
      ? sideBySide(
          inputs,
          ps.map((p) => [p]),
          inputs.map(() => []),
          null,
        )
      : inputs.map((input, k) => shortcut(input, ps[k]));
  const shortcut = (input: Terms, p: ConvBnPlan | undefined): Terms =>
    p ? layer(input, p) : input;
  const sumOfBranches = (inputs: Terms[], branches: ConvBnPlan[][], r: Terms): Terms => {
    let acc = r;
    branches.forEach((layers, j) => {
      acc = branch(inputs[j]!, layers, acc, j === branches.length - 1);
    });
    return acc;
  };

  // The same walk as forward.ts's `forwardLogits` (Eq. 1-3, Table 5), on weighted sums.
  const image: Terms = [{ t: x, w: 1 }];
  let streams: Terms[] = plan.stems.map((s) => layer(image, s));
  for (const block of plan.blocks) {
    if (streams.length !== block.inputStreams) {
      const one = streams.length === 1 ? streams[0]! : average(streams);
      streams = Array.from({ length: block.inputStreams }, () => one);
    }
    switch (block.kind) {
      case 'residual':
      case 'inception': {
        const x0 = streams[0]!;
        const inputs = block.branches.map(() => x0);
        streams = [sumOfBranches(inputs, block.branches, shortcut(x0, block.projections[0]))];
        break;
      }
      case 'identity':
        streams = sideBySide(streams, block.branches, shortcuts(streams, block.projections), true);
        break;
      case 'mergeAndRun': {
        // Eq. 3: m = mean_i P_i(x_i), summed where each branch's last BN reads it.
        const m = average(shortcuts(streams, block.projections));
        streams = block.fuse
          ? [sumOfBranches(streams, block.branches, m)]
          : sideBySide(
              streams,
              block.branches,
              streams.map(() => m),
              true,
            );
        break;
      }
    }
  }

  const grads = new Map<string, tf.Tensor>();
  const setGrad = (name: string, g: tf.Tensor) => {
    const before = grads.get(name);
    grads.set(
      name,
      before
        ? weightedSum([
            { t: before, w: 1 },
            { t: g, w: 1 },
          ])
        : g,
    );
  };
  const pending = new Map<tf.Tensor, Terms>();
  const contribute = (t: tf.Tensor4D, g: tf.Tensor4D, w: number) => {
    const list = pending.get(t) ?? [];
    const same = list.find((term) => term.t === g);
    if (same) same.w += w;
    else list.push({ t: g, w });
    pending.set(t, list);
  };
  /**
   * The gradient of `t` as at most `max` weighted terms: beyond that, the last terms are
   * summed by one dispatch of ours (weightedSum.ts) into one.
   */
  const gradOf = (t: tf.Tensor4D, max: number): Terms => {
    const list = pending.get(t);
    if (!list) throw new Error('a layer output does not reach the loss');
    pending.delete(t);
    if (list.length <= max) return list;
    const keep = list.slice(0, max - 1);
    return [...keep, { t: weightedSum(list.slice(max - 1)), w: 1 }];
  };

  let loss: tf.Scalar;
  let logits: tf.Tensor2D;
  let correct: tf.Scalar;
  if (plan.classifiers.length === 1) {
    // The head as one dispatch of ours (head.ts), reading the streams' average as it pools.
    const fc = plan.classifiers[0]!;
    let features = average(streams);
    if (features.length > Math.min(MAX_TERMS, storage - HEAD_BINDINGS)) {
      features = [{ t: materialise(features), w: 1 }];
    }
    const head = classifierHead(features, weight(fc.weight), weight(fc.bias), labels);
    ({ loss, logits, correct } = head);
    setGrad(fc.weight, head.dWeight);
    setGrad(fc.bias, head.dBias);
    for (const f of features) contribute(f.t, head.dFeatures, f.w);
  } else {
    // Table 5 w/o sharing (spec.sharing 'none', no preset uses it): one classifier per stream,
    // logits averaged, with tfjs's autodiff; its inputs are the streams' distinct tensors.
    const headTensors = [...new Set(streams.flatMap((v) => v.map((term) => term.t)))];
    const fcNames = plan.classifiers.flatMap((fc) => [fc.weight, fc.bias]);
    let logitsKept: tf.Tensor2D | null = null;
    const { value, grads: headGrads } = tf.valueAndGrads((...args: tf.Tensor[]) => {
      const byTensor = new Map(headTensors.map((t, i) => [t, args[i] as tf.Tensor4D]));
      const fc = (name: string) => args[headTensors.length + fcNames.indexOf(name)]!;
      const sum = (v: Terms) =>
        tf.addN(v.map(({ t, w }) => (w === 1 ? byTensor.get(t)! : tf.mul(byTensor.get(t)!, w))));
      const head = (features: tf.Tensor, k: number): tf.Tensor2D => {
        const c = plan.classifiers[k]!;
        const pooled = tf.mean(features, [1, 2]) as tf.Tensor2D;
        return tf.add(tf.matMul(pooled, fc(c.weight) as tf.Tensor2D), fc(c.bias));
      };
      const out = tf.addN(streams.map((s, k) => head(sum(s), k))).mul(1 / streams.length);
      logitsKept = tf.keep(out as tf.Tensor2D);
      return crossEntropy(logitsKept, labels);
    })([...headTensors, ...fcNames.map((n) => weight(n))]);
    loss = value as tf.Scalar;
    // A copy the enclosing tidy owns (the kept one outlived valueAndGrads's own tidy).
    logits = tf.clone(logitsKept!);
    (logitsKept as tf.Tensor | null)?.dispose();
    correct = countCorrect(logits, labels);
    fcNames.forEach((n, i) => setGrad(n, headGrads[headTensors.length + i]!));
    headTensors.forEach((t, i) => contribute(t, headGrads[i] as tf.Tensor4D, 1));
  }

  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (node.kind === 'sum') {
      for (const g of gradOf(node.out, Infinity)) {
        for (const term of node.terms) contribute(term.t, g.t, g.w * term.w);
      }
    } else if (node.kind === 'conv') {
      const [dy] = gradOf(node.out, 1);
      const dyT = dy!.w === 1 ? dy!.t : weightedSum([dy!]);
      const shared = (filterUses.get(node.weight) ?? 0) > 1;
      const { dx, dw } = convBackward(
        node.input,
        dyT,
        weight(node.weight),
        node.s,
        node.inputGrad,
        shared ? null : batch,
      );
      setGrad(node.weight, dw);
      if (dx) contribute(node.input, dx, 1);
    } else {
      const hasRes = node.residual.length > 0;
      const dys = gradOf(node.out, Math.min(MAX_TERMS, storage - 5 - +node.relu - +hasRes));
      const c = node.h.shape[3];
      const dh = emptyTensor<tf.Rank.R4>(node.h.shape);
      const dgamma = emptyTensor<tf.Rank.R1>([c]);
      const dbeta = emptyTensor<tf.Rank.R1>([c]);
      const dres = hasRes ? emptyTensor<tf.Rank.R4>(node.h.shape) : null;
      const bindings: tf.TensorInfo[] = [...dys.map((g) => g.t), node.h];
      if (node.relu) bindings.push(node.out);
      bindings.push(node.stats, dh, dgamma, dbeta);
      if (dres) bindings.push(dres);
      dispatch({
        code: bnBackwardSource(node.relu, hasRes, dys.length),
        bindings,
        uniforms: [{ u32: node.h.size / c }, { u32: c }, ...termWeights(dys.map((g) => g.w))],
        workgroups: [c],
      });
      contribute(node.h, dh, 1);
      setGrad(`${node.bn}.gamma`, dgamma);
      setGrad(`${node.bn}.beta`, dbeta);
      if (dres) for (const r of node.residual) contribute(r.t, dres, r.w);
    }
  }
  batch.flush();
  return { loss, logits, correct, grads };
}
