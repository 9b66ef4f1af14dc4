/**
 * Each fused kernel against the unfused tfjs computation, the reference run on tfjs's CPU
 * backend from the same arrays: values, gradients, running averages, and the loss curve of
 * 20 training steps of a tiny DMRNet.
 */
import * as tf from '@tensorflow/tfjs';
import { tinyClassroom } from '../../src/model/presets';
import type { NetworkSpec } from '../../src/model/spec';
import type { NamedVariable } from '../../src/model/network';
import { drawAugmentation, type AugmentParams } from '../../src/train/augment';
import { augmentFused, augmentReference, packPixels } from '../../src/train/fused/augment';
import { bnAddReluFused, bnAddReluReference } from '../../src/train/fused/bnAddRelu';
import {
  backwardVariants,
  collectFilterGrads,
  type BackwardVariant,
  conv2dFused,
  convBackward,
  convForward,
  convShape,
  type ConvShape,
  defaultBackward,
  defaultForward,
  FilterGradBatch,
  forwardVariants,
  passesOnQuickLayouts,
  quickBackward,
  quickForward,
  type ForwardVariant,
} from '../../src/train/fused/conv';
import { FusedNesterov } from '../../src/train/fused/nesterov';
import { createReferenceTrainer } from '../../src/train/fused/reference';
import {
  BN_EPS,
  BN_MOMENTUM,
  createFusedTrainer,
  disposeFusedTrainer,
  fusedTrainStep,
  inferenceLogits,
  prepareFusedTrainStep,
  weightLookup,
  type FusedTrainer,
} from '../../src/train/fused/step';
import { forwardLogits } from '../../src/train/fused/forward';
import { recordedForwardBackward } from '../../src/train/fused/recordedStep';
import { planNetwork } from '../../src/model/plan';
import { countCorrect, crossEntropy } from '../../src/train/step';
import { classifierHead } from '../../src/train/fused/head';
import { pairedConvForward } from '../../src/train/fused/convPair';
import { weightedSum } from '../../src/train/fused/weightedSum';
import { createRng } from '../../src/model/random';
import { candidateName } from '../../src/train/fused/tuning';

import {
  applySgdUpdate,
  createOptimizerSlots,
  decayRuleOf,
  decays,
  type SgdConfig,
} from '../../src/train/step';
import type { CheckReport, KernelDiff } from './messages';
import { checkDecayRules } from './decayCheck';
import { seededWeights, variablesFrom } from './weights';

type Arrays = Record<string, Float32Array>;

function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}

async function read(tensors: Record<string, tf.Tensor>): Promise<Arrays> {
  const out: Arrays = {};
  for (const [k, t] of Object.entries(tensors)) out[k] = (await t.data()) as Float32Array;
  tf.dispose(Object.values(tensors));
  return out;
}

function compare(prefix: string, fused: Arrays, ref: Arrays): KernelDiff[] {
  return Object.keys(ref).map((k) => {
    const a = fused[k]!;
    const b = ref[k]!;
    let d = a.length === b.length ? 0 : Infinity;
    let m = 0;
    for (let i = 0; i < b.length; i++) {
      d = Math.max(d, Math.abs(a[i]! - b[i]!));
      m = Math.max(m, Math.abs(b[i]!));
    }
    return {
      name: `${prefix}.${k}`,
      maxAbsDiff: Number.isNaN(d) ? Infinity : d,
      maxAbsReference: m,
    };
  });
}

async function onBackend<T>(name: string, f: () => Promise<T>): Promise<T> {
  await tf.setBackend(name);
  return f();
}

/** `run(false)`, the reference, on tfjs's CPU backend; `run(true)` on WebGPU; their diffs. */
async function cpuAgainstWebgpu(
  name: string,
  run: (fused: boolean) => Promise<Arrays>,
): Promise<KernelDiff[]> {
  const ref = await onBackend('cpu', () => run(false));
  const fused = await onBackend('webgpu', () => run(true));
  return compare(name, fused, ref);
}

type Shape4 = [number, number, number, number];

/**
 * A convolution case: `k`x`k` filters (3x3 with pad 1, 1x1 without) from `x[3]` to `co`
 * channels, the input drawn from `seed` at twice the filters' scale, the filters from `seed + 1`.
 */
function convCase(x: Shape4, k: number, co: number, stride: number, seed: number) {
  const pad = k === 3 ? 1 : 0;
  const fshape: Shape4 = [k, k, x[3], co];
  const count = (shape: Shape4) => shape.reduce((a, b) => a * b);
  return {
    pad,
    fshape,
    s: convShape(x, fshape, stride, pad),
    xs: randomArray(count(x), seed, 2),
    fs: randomArray(count(fshape), seed + 1),
  };
}

/** The classroom DMRNet at width 4 on 8x8 inputs: every block kind, small enough for CI. */
const tinySpec = () => ({
  ...tinyClassroom({ width: 4 }),
  input: { height: 8, width: 8, channels: 3 },
});

/** BN + add + ReLU, each variant: forward, the four gradients, the running averages. */
async function checkBnAddRelu(residual: boolean, relu: boolean): Promise<KernelDiff[]> {
  const shape: Shape4 = [3, 5, 7, 6];
  const size = 3 * 5 * 7 * 6;
  const xs = randomArray(size, 1, 2);
  const rs = randomArray(size, 2);
  const dys = randomArray(size, 3);
  const gs = randomArray(6, 4).map((v) => 1 + v / 2);
  const bs = randomArray(6, 5, 0.5);
  const run = async (fused: boolean): Promise<Arrays> => {
    const x = tf.tensor4d(xs, shape);
    const r = residual ? tf.tensor4d(rs, shape) : null;
    const dy = tf.tensor4d(dys, shape);
    const g = tf.tensor1d(gs);
    const b = tf.tensor1d(bs);
    const runMean = tf.variable(tf.zeros([6]), false);
    const runVar = tf.variable(tf.ones([6]), false);
    const o = { relu, eps: 2e-5 };
    const f = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor, ri?: tf.Tensor): tf.Tensor4D => {
      const args = [
        xi as tf.Tensor4D,
        gi as tf.Tensor1D,
        bi as tf.Tensor1D,
        (ri ?? null) as tf.Tensor4D | null,
      ] as const;
      if (fused)
        return bnAddReluFused(...args, {
          ...o,
          running: { mean: runMean, variance: runVar, momentum: 0.9 },
        });
      const out = bnAddReluReference(...args, o);
      runMean.assign(runMean.mul(0.9).add(out.mean.mul(0.1)));
      runVar.assign(runVar.mul(0.9).add(out.variance.mul(0.1)));
      return out.y;
    };
    const inputs = r ? [x, g, b, r] : [x, g, b];
    const { value, grads } = tf.valueAndGrads((...a: tf.Tensor[]) => {
      const y = f(a[0]!, a[1]!, a[2]!, a[3]);
      return tf.sum(tf.mul(y, dy));
    })(inputs);
    const yOnly = tf.tidy(() => {
      // The forward alone (another batch-statistics pass: updates the running averages again).
      const y = f(x, g, b, r ?? undefined);
      return y;
    });
    const out: Record<string, tf.Tensor> = {
      y: yOnly,
      dx: grads[0]!,
      dgamma: grads[1]!,
      dbeta: grads[2]!,
      runningMean: runMean,
      runningVar: runVar,
    };
    if (r) out.dresidual = grads[3]!;
    const arrays = await read(out);
    tf.dispose([value, x, dy, g, b, ...(r ? [r] : [])]);
    return arrays;
  };
  return cpuAgainstWebgpu(
    `bnAddRelu(${residual ? 'res' : 'nores'},${relu ? 'relu' : 'norelu'})`,
    run,
  );
}

/**
 * Our convolution against tfjs's conv2d: output, input gradient and filter gradient, for a
 * 3x3 pad 1 conv, a strided one, a strided 1x1 projection and odd channel counts (the stem's
 * 3 input channels; 6 output channels, which no 4- or 8-wide tile divides).
 */
async function checkConv(
  x: Shape4,
  k: number,
  co: number,
  stride: number,
  batched: boolean,
): Promise<KernelDiff[]> {
  const { pad, fshape, xs, fs } = convCase(x, k, co, stride, 11);
  const run = async (fused: boolean): Promise<Arrays> => {
    const xt = tf.tensor4d(xs, x);
    const ft = tf.tensor4d(fs, fshape);
    const conv = (xi: tf.Tensor, fi: tf.Tensor) =>
      fused
        ? conv2dFused(xi as tf.Tensor4D, fi as tf.Tensor4D, stride, pad)
        : tf.conv2d(xi as tf.Tensor4D, fi as tf.Tensor4D, stride, pad);
    const y = conv(xt, ft);
    const dy = tf.tensor4d(randomArray(y.size, 13), y.shape);
    const backward = () =>
      tf.valueAndGrads((xi: tf.Tensor, fi: tf.Tensor) => tf.sum(tf.mul(conv(xi, fi), dy)))([
        xt,
        ft,
      ]);
    // Batched: the filter gradient's second pass deferred to one launch, as the trainer runs it.
    const filterGrads = fused && batched ? new FilterGradBatch() : null;
    const { value, grads } = filterGrads ? collectFilterGrads(filterGrads, backward) : backward();
    filterGrads?.flush();
    const arrays = await read({ y, dx: grads[0]!, dw: grads[1]! });
    tf.dispose([value, xt, ft, dy]);
    filterGrads?.dispose();
    return arrays;
  };
  const name = `conv(${x.join('x')},k${k},co${co},s${stride}${batched ? ',batched' : ''})`;
  return cpuAgainstWebgpu(name, run);
}

/** Whether two reads hold the same bits in every array. */
function sameBits(a: Arrays, b: Arrays): boolean {
  return Object.keys(b).every((k) => {
    const x = new Uint32Array(a[k]!.buffer, a[k]!.byteOffset, a[k]!.length);
    const y = new Uint32Array(b[k]!.buffer, b[k]!.byteOffset, b[k]!.length);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  });
}

/** Layouts compared bit for bit with the untuned layout, and those that differed. */
export interface LayoutBits {
  compared: number;
  mismatches: string[];
}

/**
 * Each layout of `kind` run on WebGPU: against the CPU reference `ref`, and bit for bit against
 * the untuned layout's output.
 */
async function compareLayouts<V extends ForwardVariant | BackwardVariant>(
  kind: 'Forward' | 'Backward',
  name: string,
  s: ConvShape,
  layouts: { untuned: V; tuned: V[] },
  run: (v: V) => Promise<Arrays>,
  ref: Arrays,
  bits: LayoutBits,
  alsoCheck?: (v: V, fused: Arrays, layout: string) => Promise<void>,
): Promise<KernelDiff[]> {
  const base = await run(layouts.untuned);
  const diffs: KernelDiff[] = [];
  for (const v of layouts.tuned) {
    const fused = await run(v);
    bits.compared++;
    const layout = candidateName(v).replace(/^ours /, '');
    if (!sameBits(fused, base)) bits.mismatches.push(`${kind.toLowerCase()} ${s.co} ${layout}`);
    diffs.push(...compare(`conv${kind}(${name},${layout})`, fused, ref));
    await alsoCheck?.(v, fused, layout);
  }
  return diffs;
}

/**
 * Every layout of our forward kernel that tuning may pick (./tuning.ts), against tfjs's conv2d,
 * and bit for bit against the untuned layout (the tuner chooses only identical ones).
 */
async function checkForwardVariants(
  x: Shape4,
  k: number,
  co: number,
  stride: number,
  bits: LayoutBits,
): Promise<KernelDiff[]> {
  const { pad, fshape, s, xs, fs } = convCase(x, k, co, stride, 21);
  const ref = await onBackend('cpu', () =>
    read({ y: tf.conv2d(tf.tensor4d(xs, x), tf.tensor4d(fs, fshape), stride, pad) }),
  );
  return onBackend('webgpu', async () => {
    const xt = tf.tensor4d(xs, x);
    const ft = tf.tensor4d(fs, fshape);
    // A second input and filter for the paired forward's other job (convPair.ts).
    const xt2 = tf.tensor4d(randomArray(xt.size, 23, 2), x);
    const ft2 = tf.tensor4d(randomArray(ft.size, 24), fshape);
    const diffs = await compareLayouts(
      'Forward',
      `${x.join('x')},k${k},co${co},s${stride}`,
      s,
      { untuned: defaultForward(s), tuned: [...forwardVariants(s), quickForward(s)] },
      (v) => read({ y: convForward(xt, ft, s, v) }),
      ref,
      bits,
      async (v, fused, layout) => {
        // Both jobs of a paired launch give the bits of the single forward with the same layout.
        const single2 = await read({ y: convForward(xt2, ft2, s, v) });
        const pair = pairedConvForward([xt, xt2], [ft, ft2], s, v)!;
        const [p0, p1] = [await read({ y: pair[0] }), await read({ y: pair[1] })];
        bits.compared += 2;
        if (!sameBits(p0, fused)) bits.mismatches.push(`paired forward job 0 ${layout}`);
        if (!sameBits(p1, single2)) bits.mismatches.push(`paired forward job 1 ${layout}`);
      },
    );
    tf.dispose([xt, ft, xt2, ft2]);
    return diffs;
  });
}

/**
 * Every layout of our backward launch (input gradient + filter gradient) that tuning may pick,
 * against tfjs's gradients on the CPU, and bit for bit against the untuned layout.
 */
async function checkBackwardVariants(
  x: Shape4,
  k: number,
  co: number,
  stride: number,
  bits: LayoutBits,
): Promise<KernelDiff[]> {
  const { pad, fshape, s, xs, fs } = convCase(x, k, co, stride, 31);
  const dys = randomArray(s.n * s.oh * s.ow * s.co, 33);
  const dyShape: Shape4 = [s.n, s.oh, s.ow, s.co];
  const ref = await onBackend('cpu', async () => {
    const inputs = [tf.tensor4d(xs, x), tf.tensor4d(fs, fshape), tf.tensor4d(dys, dyShape)];
    const [xt, ft, dy] = inputs as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const [dx, dw] = tf.grads((xi: tf.Tensor, fi: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(xi as tf.Tensor4D, fi as tf.Tensor4D, stride, pad), dy)),
    )([xt, ft]);
    tf.dispose(inputs);
    return read({ dx: dx!, dw: dw! });
  });
  return onBackend('webgpu', async () => {
    const xt = tf.tensor4d(xs, x);
    const ft = tf.tensor4d(fs, fshape);
    const dy = tf.tensor4d(dys, dyShape);
    const run = (v: BackwardVariant) => {
      const { dx, dw } = convBackward(xt, dy, ft, s, true, null, v);
      return read({ dx: dx!, dw });
    };
    const diffs = await compareLayouts(
      'Backward',
      `${x.join('x')},k${k},co${co},s${stride}`,
      s,
      { untuned: defaultBackward(s), tuned: [...backwardVariants(s), quickBackward(s)] },
      run,
      ref,
      bits,
    );
    tf.dispose([xt, ft, dy]);
    return diffs;
  });
}

/** Three Nesterov steps with weight decay on four weights, against step.ts's update. */
async function checkNesterov(): Promise<KernelDiff[]> {
  const shapes: Record<string, number[]> = {
    'a.conv.weight': [3, 3, 4, 8],
    'a.bn.gamma': [8],
    'a.bn.beta': [8],
    'fc.bias': [10],
  };
  const config: SgdConfig = { momentum: 0.9, weightDecay: 0.01, nesterov: true };
  const lrs = [0.1, 0.05, 0.2];
  const run = async (fused: boolean): Promise<Arrays> => {
    const trainable: NamedVariable[] = Object.entries(shapes).map(([name, shape], i) => ({
      name,
      variable: tf.variable(
        tf.tensor(
          randomArray(
            shape.reduce((a, b) => a * b),
            10 + i,
          ),
          shape,
        ),
      ),
    }));
    const opt = fused
      ? new FusedNesterov(
          trainable.map(({ name, variable }) => ({
            variable,
            weightDecay: decays(name, decayRuleOf(config)) ? config.weightDecay : 0,
          })),
          config.momentum,
          config.nesterov,
        )
      : null;
    // The fused run keeps its momentum in step.ts's slots too (the checkpointed path).
    const slots = createOptimizerSlots(trainable);
    lrs.forEach((lr, s) => {
      const grads = trainable.map((v, i) =>
        tf.tensor(randomArray(v.variable.size, 100 * s + i), v.variable.shape),
      );
      if (opt)
        opt.step(
          grads,
          lr,
          slots.velocities.map((v) => v.variable),
        );
      else {
        const byName: Record<string, tf.Tensor> = {};
        trainable.forEach((v, i) => (byName[v.variable.name] = grads[i]!));
        applySgdUpdate(trainable, slots, byName, lr, config);
      }
      tf.dispose(grads);
    });
    const out: Record<string, tf.Tensor> = {};
    for (const v of trainable) out[v.name] = v.variable;
    slots.velocities.forEach((v, i) => (out[`${trainable[i]!.name}.momentum`] = v.variable));
    const arrays = await read(out);
    opt?.dispose();
    slots.dispose();
    return arrays;
  };
  return cpuAgainstWebgpu('nesterov', run);
}

/** The augmentation kernel; with `fill`, padding with those pixel values (RunConfig.padFill). */
async function checkAugment(fill?: number[]): Promise<KernelDiff[]> {
  const shape: Shape4 = [6, 8, 8, 3];
  const rng = createRng(7);
  const pixels = Uint8Array.from({ length: 6 * 8 * 8 * 3 }, () => rng.int(256));
  const params: AugmentParams = { ...drawAugmentation(createRng(8), 6, 4), fill };
  const mean = [0.49, 0.48, 0.45];
  const std = [0.25, 0.24, 0.26];
  const ref = await onBackend('cpu', () =>
    read({ out: augmentReference(pixels, shape, params, mean, std) }),
  );
  const fused = await onBackend('webgpu', async () => {
    const packed = tf.tensor1d(packPixels(pixels), 'int32');
    const out = augmentFused(packed, shape, params, mean, std);
    packed.dispose();
    return read({ out });
  });
  return compare(fill ? 'augment.fill' : 'augment', fused, ref);
}

/**
 * The fused classifier head (head.ts) against tfjs's autodiff of pooling, the fully
 * connected layer and `crossEntropy` on the CPU, its input a weighted sum of `terms` tensors:
 * loss, logits, correct count, the gradient of the features and of the fc weight and bias.
 * Labels are half the reference's argmax (so the count is neither 0 nor the batch).
 */
async function checkHead(terms: number): Promise<KernelDiff[]> {
  const [n, h, w, c, k] = [6, 3, 5, 12, 10];
  const shape: [number, number, number, number] = [n, h, w, c];
  const fs = Array.from({ length: terms }, (_, i) => randomArray(n * h * w * c, 60 + i, 2));
  const ws = [0.5, 0.25, 1, 0.75].slice(0, terms);
  const fcW = randomArray(c * k, 70);
  const fcB = randomArray(k, 71, 0.5);
  const reference = (ys: Int32Array) => async () => {
    const features = fs.map((f) => tf.tensor4d(f, shape));
    const labels = tf.tensor1d(ys, 'int32');
    const out: Record<string, tf.Tensor> = {};
    const { value, grads } = tf.valueAndGrads((...a: tf.Tensor[]) => {
      const sum = tf.addN(features.map((_, i) => tf.mul(a[i]!, ws[i]!)));
      const pooled = tf.mean(sum, [1, 2]) as tf.Tensor2D;
      const logits = tf.add(tf.matMul(pooled, a[terms] as tf.Tensor2D), a[terms + 1]!);
      out.logits = tf.keep(logits as tf.Tensor2D);
      return crossEntropy(logits as tf.Tensor2D, labels);
    })([...features, tf.tensor2d(fcW, [c, k]), tf.tensor1d(fcB)]);
    out.loss = value;
    out.correct = countCorrect(out.logits as tf.Tensor2D, labels);
    // Each term's gradient is the features' gradient times its weight.
    out.dFeatures = tf.div(grads[0]!, ws[0]!);
    out.dWeight = grads[terms]!;
    out.dBias = grads[terms + 1]!;
    tf.dispose([...features, labels, ...grads.slice(0, terms)]);
    return read(out);
  };
  const first = await onBackend('cpu', reference(new Int32Array(n)));
  const ys = Int32Array.from({ length: n }, (_, i) => {
    const row = first.logits!.subarray(i * k, (i + 1) * k);
    const best = row.indexOf(Math.max(...row));
    return i % 2 === 0 ? best : (best + 1) % k;
  });
  const ref = await onBackend('cpu', reference(ys));
  const fused = await onBackend('webgpu', async () => {
    const features = fs.map((f) => tf.tensor4d(f, shape));
    const labels = tf.tensor1d(ys, 'int32');
    const weight = tf.tensor2d(fcW, [c, k]);
    const bias = tf.tensor1d(fcB);
    const out = classifierHead(
      features.map((t, i) => ({ t, w: ws[i]! })),
      weight,
      bias,
      labels,
    );
    tf.dispose([...features, labels, weight, bias]);
    return read({ ...out });
  });
  return compare(`head.terms${terms}`, fused, ref);
}

/** The weighted sum (weightedSum.ts) of `terms` tensors, chunked past the adapter's bindings. */
async function checkWeightedSum(terms: number): Promise<KernelDiff[]> {
  const size = 3 * 4 * 5 * 2;
  const xs = Array.from({ length: terms }, (_, i) => randomArray(size, 80 + i));
  const ws = Array.from({ length: terms }, (_, i) => (i % 3) - 0.5 * i);
  const run = (fused: boolean) => async () => {
    const ts = xs.map((x) => tf.tensor4d(x, [3, 4, 5, 2]));
    // In a tidy: past the bindings the chunks' partial sums are tensors of their own.
    const sum = tf.tidy(() =>
      fused
        ? weightedSum(ts.map((t, i) => ({ t, w: ws[i]! })))
        : tf.addN(ts.map((t, i) => tf.mul(t, ws[i]!))),
    );
    tf.dispose(ts);
    return read({ sum });
  };
  const ref = await onBackend('cpu', run(false));
  const fused = await onBackend('webgpu', run(true));
  return compare(`weightedSum.terms${terms}`, fused, ref);
}

/**
 * The step recorded from the plan with our own backward (recordedStep.ts) against tfjs's
 * autodiff of plain tfjs ops on the CPU: loss, logits and every weight's gradient of one step
 * of `spec` (the classroom DMRNet: merge-and-run averages, shared stream inputs; or one with a
 * classifier per stream and an identity block).
 */
async function checkRecordedStep(spec: NetworkSpec, prefix: string): Promise<KernelDiff[]> {
  const weights = seededWeights(spec, 43);
  const plan = planNetwork(spec);
  const xs = randomArray(4 * 8 * 8 * 3, 44);
  const ys = Int32Array.from([1, 7, 3, 0]);
  const run = (fused: boolean) => {
    const net = variablesFrom(weights);
    const weight = weightLookup(net);
    const x = tf.tensor4d(xs, [4, 8, 8, 3]);
    const labels = tf.tensor1d(ys, 'int32');
    const out: Record<string, tf.Tensor> = {};
    if (fused) {
      const batch = new FilterGradBatch();
      tf.tidy(() => {
        const r = recordedForwardBackward(
          plan,
          weight,
          x,
          labels,
          { eps: BN_EPS, momentum: BN_MOMENTUM },
          batch,
        );
        out.loss = tf.keep(r.loss);

        out.logits = tf.keep(r.logits);
        for (const [name, g] of r.grads) out[name] = tf.keep(g);
      });
      batch.dispose();
    } else {
      const vars = net.trainable.map((v) => v.variable);
      const { value, grads } = tf.variableGrads(() => {
        const logits = forwardLogits(plan, weight, x, (h, bn, residual, relu) => {
          const gamma = weight(`${bn}.gamma`) as tf.Tensor1D;
          const beta = weight(`${bn}.beta`) as tf.Tensor1D;
          return bnAddReluReference(h, gamma, beta, residual, { relu, eps: BN_EPS }).y;
        });
        out.logits = tf.keep(logits);
        return crossEntropy(logits, labels);
      }, vars);
      out.loss = value;
      net.trainable.forEach((v) => (out[v.name] = grads[v.variable.name]!));
    }
    tf.dispose([x, labels]);
    return read(out).finally(() => net.dispose());
  };
  return cpuAgainstWebgpu(prefix, run);
}

/**
 * A fused trainer prepared as trainingRun.ts prepares one (`prepareFusedTrainStep` on the first
 * batch, disposed after the first step): the first step runs quick-to-compile conv layouts,
 * and within a few steps every pass is on its chosen layout, compiled in the background.
 * Batch 3: shapes no other check compiled.
 */
async function quickLayoutsSwitch(): Promise<{
  afterFirstStep: number;
  atEnd: number;
  steps: number;
}> {
  const spec = tinySpec();
  const net = variablesFrom(seededWeights(spec, 45));
  const slots = createOptimizerSlots(net.trainable);
  const config: SgdConfig = { momentum: 0.9, weightDecay: 1e-4, nesterov: true };
  const shape: Shape4 = [3, 8, 8, 3];
  const step = async (s: number, prepare: boolean) => {
    const x = tf.tensor4d(randomArray(3 * 8 * 8 * 3, 50 + s), shape);
    const labels = tf.tensor1d([s % 10, (s + 3) % 10, (s + 7) % 10], 'int32');
    if (prepare) await prepareFusedTrainStep(net, slots, x, labels, config);
    const out = fusedTrainStep(net, slots, x, labels, 0.05, config);
    // Disposed before the step has run, as trainingRun.ts does: the background compilation
    // traces the step again after that.
    tf.dispose([x, labels]);
    await out.loss.data();
    tf.dispose([out.loss, out.correct]);
  };
  try {
    await step(0, true);
    const afterFirstStep = passesOnQuickLayouts();
    let steps = 1;
    // The background compilation takes a few seconds on SwiftShader; give it 60 s.
    const t0 = performance.now();
    while (passesOnQuickLayouts() > 0 && performance.now() - t0 < 60_000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await step(steps++, false);
    }
    return { afterFirstStep, atEnd: passesOnQuickLayouts(), steps };
  } finally {
    disposeFusedTrainer(slots);
    slots.dispose();
    net.dispose();
  }
}

/** Same weights, data and augmentation: 20 steps of each, losses per step. */
async function lossCurves(
  steps: number,
  progress: (message: string) => void,
): Promise<{ fused: number[]; reference: number[]; tensors: number[]; evalDiffs: KernelDiff[] }> {
  // Every block kind of the step, at a size SwiftShader trains in well under a second a step.
  const spec = tinySpec();
  const weights = seededWeights(spec, 42);
  const batch = 4;
  const shape: Shape4 = [batch, 8, 8, 3];
  const config: SgdConfig = { momentum: 0.9, weightDecay: 1e-4, nesterov: true };
  const mean = [0.4914, 0.4822, 0.4465];
  const std = [0.247, 0.2435, 0.2616];
  const data = (s: number) => {
    const rng = createRng(1000 + s);
    const pixels = Uint8Array.from({ length: batch * 8 * 8 * 3 }, () => rng.int(256));
    const labels = Int32Array.from({ length: batch }, () => rng.int(10));
    return { pixels, labels, params: drawAugmentation(createRng(2000 + s), batch, 4) };
  };
  const run = async (fused: boolean) => {
    const net = variablesFrom(weights);
    // The fused step keeps momentum in step.ts's slots, as a checkpointing trainer would.
    const slots = fused ? createOptimizerSlots(net.trainable) : null;
    const trainer: FusedTrainer = slots
      ? createFusedTrainer(net, config, slots)
      : createReferenceTrainer(net, config);
    const losses: number[] = [];
    const tensors: number[] = [];
    for (let s = 0; s < steps; s++) {
      const d = data(s);
      const labels = tf.tensor1d(d.labels, 'int32');
      let x: tf.Tensor4D;
      if (fused) {
        const packed = tf.tensor1d(packPixels(d.pixels), 'int32');
        x = augmentFused(packed, shape, d.params, mean, std);
        packed.dispose();
      } else {
        x = augmentReference(d.pixels, shape, d.params, mean, std);
      }
      const out = trainer.step(x, labels, 0.05);
      losses.push((await out.loss.data())[0]!);
      progress(`${fused ? 'fused' : 'reference'} step ${s}: ${losses[s]}`);
      tf.dispose([x, labels, out.loss, out.correct]);
      tensors.push(tf.memory().numTensors);
    }
    // Inference mode after training (running averages moved): the test pass's logits.
    const last = data(steps);
    const evalX = augmentReference(last.pixels, shape, last.params, mean, std);
    const logits = inferenceLogits(net, evalX, fused ? conv2dFused : undefined);
    const evalLogits = (await logits.data()) as Float32Array;
    tf.dispose([evalX, logits]);
    trainer.dispose();
    slots?.dispose();
    net.dispose();
    return { losses, tensors, evalLogits };
  };
  const reference = await onBackend('cpu', () => run(false));
  const fused = await onBackend('webgpu', () => run(true));
  return {
    fused: fused.losses,
    reference: reference.losses,
    tensors: fused.tensors,
    evalDiffs: compare('inference', { logits: fused.evalLogits }, { logits: reference.evalLogits }),
  };
}

export async function runChecks(
  progress: (message: string) => void,
  steps = 20,
): Promise<CheckReport> {
  const t0 = performance.now();
  const diffs: KernelDiff[] = [];
  const layoutBits: LayoutBits = { compared: 0, mismatches: [] };
  progress('optimizer');
  diffs.push(...(await checkNesterov()));
  progress('augmentation');
  diffs.push(...(await checkAugment()));
  diffs.push(...(await checkAugment([125, 123, 114])));
  progress('weight-decay rules');
  const decay = await checkDecayRules();
  for (const residual of [true, false]) {
    for (const relu of [true, false]) {
      progress(`bn residual=${residual} relu=${relu}`);
      diffs.push(...(await checkBnAddRelu(residual, relu)));
    }
  }
  for (const [x, k, co, stride] of [
    [[2, 9, 9, 3], 3, 4, 1],
    [[1, 4, 4, 4], 3, 4, 1],
    [[2, 9, 9, 8], 3, 16, 2],
    [[3, 8, 8, 4], 1, 8, 2],
    [[2, 7, 7, 6], 3, 6, 1],
    [[4, 32, 32, 8], 3, 8, 1],
  ] as const) {
    for (const batched of [false, true]) {
      progress(`conv ${x.join('x')} k${k} co${co} s${stride}${batched ? ' batched' : ''}`);
      diffs.push(...(await checkConv([...x], k, co, stride, batched)));
    }
  }
  // Widths that 2 and 4 divide (pixel blocks); ci 3 and co 6 take the scalar paths, ci 4 and
  // co 8 the vec4 ones; k3 s2 blocks input-gradient pixels that different taps reach.
  for (const [x, k, co, stride] of [
    [[2, 8, 8, 3], 3, 8, 1],
    [[2, 8, 8, 8], 3, 6, 1],
    [[3, 8, 8, 4], 1, 8, 2],
    [[2, 8, 8, 4], 3, 8, 2],
  ] as const) {
    progress(`conv forward layouts ${x.join('x')} k${k} co${co} s${stride}`);
    diffs.push(...(await checkForwardVariants([...x], k, co, stride, layoutBits)));
    progress(`conv backward layouts ${x.join('x')} k${k} co${co} s${stride}`);
    diffs.push(...(await checkBackwardVariants([...x], k, co, stride, layoutBits)));
  }
  // 16 channels in and out: every filter-gradient block (8 x 4, 4 x 8, 8 x 8) is offered.
  progress('conv backward layouts 2x6x6x16 k3 co16 s1');
  diffs.push(...(await checkBackwardVariants([2, 6, 6, 16], 3, 16, 1, layoutBits)));
  for (const terms of [1, 3]) {
    progress(`classifier head, ${terms} terms`);
    diffs.push(...(await checkHead(terms)));
  }
  for (const terms of [2, 11]) {
    progress(`weighted sum, ${terms} terms`);
    diffs.push(...(await checkWeightedSum(terms)));
  }
  progress('recorded step');
  const classroom = tinySpec();
  diffs.push(...(await checkRecordedStep(classroom, 'recordedStep')));
  // Table 5 w/o sharing: a stem and a classifier per stream (the head's tfjs path), and an
  // identity block with a projection per stream (paired forwards of projections and branches).
  progress('recorded step, per-stream classifiers');
  const perStream: NetworkSpec = {
    ...classroom,
    sharing: 'none',
    stages: [
      { width: 4, stride: 1, blocks: [{ kind: 'mergeAndRun', branches: 2, layersPerBranch: 2 }] },
      { width: 8, stride: 2, blocks: [{ kind: 'identity', branches: 2, layersPerBranch: 2 }] },
      { width: 8, stride: 1, blocks: [{ kind: 'mergeAndRun', branches: 2, layersPerBranch: 2 }] },
    ],
  };
  diffs.push(...(await checkRecordedStep(perStream, 'recordedStep.perStream')));
  progress('loss curves');
  const curves = await lossCurves(steps, progress);
  diffs.push(...curves.evalDiffs);
  // Last: from here on this worker records on quick layouts until each chosen one compiled.
  progress('quick first layouts');
  const quickLayouts = await onBackend('webgpu', quickLayoutsSwitch);
  return {
    backend: 'webgpu',
    diffs,
    decay,
    lossCurve: { fused: curves.fused, reference: curves.reference },
    tensorsAfterStep: curves.tensors,
    layoutBits,
    quickLayouts,
    ms: performance.now() - t0,
  };
}
