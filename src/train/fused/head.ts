/**
 * The classifier head of the recorded step as one launch of our own (issue 16): global
 * average pooling of the head's input (a weighted sum of stream tensors, read as it is
 * pooled), the fully connected layer, softmax cross-entropy averaged over the batch (step.ts's
 * `crossEntropy`), the count of correct predictions (step.ts's `countCorrect`: argmax, first
 * index on ties) and the whole backward: d logits = (softmax - onehot) / N, the fc weight
 * and bias gradients, and the pooled features' gradient spread back over the pixels (a
 * gradient contribution to each stream tensor, with its weight). tfjs spent ~33 dispatches on
 * this (mean, matMul, the loss's reductions and their gradients, oneHot, argMax, transposes).
 *
 * One workgroup does it all, phase after phase behind barriers, every sum in a fixed order
 * (deterministic): the head's work is a few hundred thousand reads and writes, far less than a
 * launch of its own would be worth, and the batch sums of the weight gradient need every image
 * done, which between workgroups would take a second launch. The scalars and gradients are
 * written into one scratch buffer and copied into their tensors (copies are no dispatches),
 * which keeps the bindings to the features plus five.
 */
import type * as tf from '@tensorflow/tfjs';
import { bufferOf, copies, dispatch, emptyTensor, markInFlight, type Uniform } from './runtime';

/** Threads of the head's one workgroup (the most WebGPU guarantees). */
const HEAD_WORKGROUP = 256;

/** Where each part lies in the scratch buffer, in floats. */
export function headLayout(n: number, c: number, k: number) {
  const dLogits = n * c;
  const logits = dLogits + n * k;
  const perImage = logits + n * k;
  const totals = perImage + 2 * n;
  const dWeight = totals + 2;
  const dBias = dWeight + c * k;
  return { pooled: 0, dLogits, logits, perImage, totals, dWeight, dBias, size: dBias + k };
}

/**
 * The head's source for `terms` feature tensors. Bindings: f0.. (features [N, P, C]), fc
 * weight [C, K], fc bias [K], labels [N] (int32), scratch (`headLayout`), dfeat [N, P, C].
 */
export function headCode(terms: number): string {
  const decl: string[] = [];
  let b = 0;
  for (let k = 0; k < terms; k++) {
    decl.push(`@group(0) @binding(${b++}) var<storage, read> f${k}: array<f32>;`);
  }
  decl.push(`@group(0) @binding(${b++}) var<storage, read> fcW: array<f32>;`);
  decl.push(`@group(0) @binding(${b++}) var<storage, read> fcB: array<f32>;`);
  decl.push(`@group(0) @binding(${b++}) var<storage, read> labels: array<i32>;`);
  decl.push(`@group(0) @binding(${b++}) var<storage, read_write> scratch: array<f32>;`);
  decl.push(`@group(0) @binding(${b++}) var<storage, read_write> dfeat: array<f32>;`);
  decl.push(`@group(0) @binding(${b++}) var<uniform> u: U;`);
  const weights = Array.from({ length: terms }, (_, k) => `w${k}: f32`).join(', ');
  const feature = Array.from({ length: terms }, (_, k) => `u.w${k} * f${k}[j]`).join(' + ');
  const wg = HEAD_WORKGROUP;
  return /* wgsl */ `
struct U { n: u32, p: u32, c: u32, k: u32, ${weights} }
${decl.join('\n')}
@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_index) t: u32) {
  let dLogitsAt = u.n * u.c;
  let logitsAt = dLogitsAt + u.n * u.k;
  let imageAt = logitsAt + u.n * u.k;
  let totalsAt = imageAt + 2u * u.n;
  let dWAt = totalsAt + 2u;
  let dBAt = dWAt + u.c * u.k;
  // Global average pooling of the weighted sum of the feature terms, per (image, channel).
  for (var i = t; i < u.n * u.c; i = i + ${wg}u) {
    let n = i / u.c;
    let c = i % u.c;
    var s = 0.0;
    for (var q = 0u; q < u.p; q = q + 1u) {
      let j = (n * u.p + q) * u.c + c;
      s = s + (${feature});
    }
    scratch[i] = s / f32(u.p);
  }
  storageBarrier();
  workgroupBarrier();
  for (var i = t; i < u.n * u.k; i = i + ${wg}u) {
    let n = i / u.k;
    let k = i % u.k;
    var l = fcB[k];
    for (var c = 0u; c < u.c; c = c + 1u) { l = l + scratch[n * u.c + c] * fcW[c * u.k + k]; }
    scratch[logitsAt + i] = l;
  }
  storageBarrier();
  workgroupBarrier();
  // Per image: log-sum-exp about the max, the loss, argmax (first index of the max, as
  // tf.argMax), and d logits = (softmax - onehot) / N.
  let invN = 1.0 / f32(u.n);
  for (var n = t; n < u.n; n = n + ${wg}u) {
    let row = logitsAt + n * u.k;
    var m = scratch[row];
    var best = 0u;
    for (var k = 1u; k < u.k; k = k + 1u) {
      let l = scratch[row + k];
      if (l > m) { m = l; best = k; }
    }
    var e = 0.0;
    for (var k = 0u; k < u.k; k = k + 1u) { e = e + exp(scratch[row + k] - m); }
    let lse = m + log(e);
    let label = labels[n];
    scratch[imageAt + 2u * n] = lse - scratch[row + u32(label)];
    scratch[imageAt + 2u * n + 1u] = select(0.0, 1.0, i32(best) == label);
    for (var k = 0u; k < u.k; k = k + 1u) {
      let onehot = select(0.0, 1.0, i32(k) == label);
      scratch[dLogitsAt + n * u.k + k] = (exp(scratch[row + k] - lse) - onehot) * invN;
    }
  }
  storageBarrier();
  workgroupBarrier();
  // Batch sums in image order: the fc weight's and bias's gradients, the loss, the count.
  for (var i = t; i < u.c * u.k; i = i + ${wg}u) {
    let c = i / u.k;
    let k = i % u.k;
    var s = 0.0;
    for (var n = 0u; n < u.n; n = n + 1u) {
      s = s + scratch[n * u.c + c] * scratch[dLogitsAt + n * u.k + k];
    }
    scratch[dWAt + i] = s;
  }
  for (var k = t; k < u.k; k = k + ${wg}u) {
    var s = 0.0;
    for (var n = 0u; n < u.n; n = n + 1u) { s = s + scratch[dLogitsAt + n * u.k + k]; }
    scratch[dBAt + k] = s;
  }
  if (t == 0u) {
    var l = 0.0;
    var r = 0.0;
    for (var n = 0u; n < u.n; n = n + 1u) {
      l = l + scratch[imageAt + 2u * n];
      r = r + scratch[imageAt + 2u * n + 1u];
    }
    scratch[totalsAt] = l * invN;
    scratch[totalsAt + 1u] = r;
  }
  // d pooled = d logits . fcW^T, spread evenly over the pixels (the mean's gradient).
  for (var i = t; i < u.n * u.c; i = i + ${wg}u) {
    let n = i / u.c;
    let c = i % u.c;
    var d = 0.0;
    for (var k = 0u; k < u.k; k = k + 1u) { d = d + scratch[dLogitsAt + n * u.k + k] * fcW[c * u.k + k]; }
    let g = d / f32(u.p);
    for (var q = 0u; q < u.p; q = q + 1u) { dfeat[(n * u.p + q) * u.c + c] = g; }
  }
}`;
}

const codes = new Map<number, string>();

/** The head's source for `terms` feature tensors (made once). */
export function headSource(terms: number): string {
  let code = codes.get(terms);
  if (code === undefined) {
    code = headCode(terms);
    codes.set(terms, code);
  }
  return code;
}

/** Storage bindings of the head besides its feature terms. */
export const HEAD_BINDINGS = 5;

export interface HeadOutput {
  loss: tf.Scalar;
  /** Correctly classified images of the batch (float32, as step.ts's `countCorrect`). */
  correct: tf.Scalar;
  logits: tf.Tensor2D;
  /** Gradient of the head's input (the sum of `features`): one tensor, each term's by its weight. */
  dFeatures: tf.Tensor4D;
  dWeight: tf.Tensor2D;
  dBias: tf.Tensor1D;
}

/**
 * Loss, correct count, logits and gradients of one fully connected classifier on the global
 * average pool of sum_k w_k features_k (NHWC), with int32 `labels`. One dispatch; every
 * output a new tensor (call inside `tf.tidy`, or dispose them).
 */
export function classifierHead(
  features: { t: tf.Tensor4D; w: number }[],
  fcWeight: tf.Tensor,
  fcBias: tf.Tensor,
  labels: tf.Tensor1D,
): HeadOutput {
  const [n, h, w, c] = features[0]!.t.shape;
  const p = h * w;
  const k = fcBias.size;
  if (fcWeight.size !== c * k) throw new Error(`fc weight of ${fcWeight.size} for ${c}x${k}`);
  if (labels.shape[0] !== n || labels.dtype !== 'int32') {
    throw new Error(`labels must be ${n} int32 values`);
  }
  const at = headLayout(n, c, k);
  const scratch = emptyTensor<tf.Rank.R1>([at.size]);
  const dFeatures = emptyTensor<tf.Rank.R4>([n, h, w, c]);
  const weights: Uniform[] = features.map((f) => ({ f32: f.w }));
  dispatch({
    code: headSource(features.length),
    bindings: [...features.map((f) => f.t), fcWeight, fcBias, labels, scratch, dFeatures],
    uniforms: [{ u32: n }, { u32: p }, { u32: c }, { u32: k }, ...weights],
    workgroups: [1],
  });
  const loss = emptyTensor<tf.Rank.R0>([]);
  const correct = emptyTensor<tf.Rank.R0>([]);
  const dWeight = emptyTensor<tf.Rank.R2>([c, k]);
  const dBias = emptyTensor<tf.Rank.R1>([k]);
  const logits = emptyTensor<tf.Rank.R2>([n, k]);
  const parts: [tf.Tensor, number][] = [
    [loss, at.totals],
    [correct, at.totals + 1],
    [dWeight, at.dWeight],
    [dBias, at.dBias],
    [logits, at.logits],
  ];
  markInFlight([scratch, ...parts.map(([t]) => t)]);
  const src = bufferOf(scratch);
  copies(
    parts.map(([t, offset]) => ({
      src,
      srcOffset: offset * 4,
      dst: bufferOf(t),
      dstOffset: 0,
      bytes: t.size * 4,
    })),
  );
  scratch.dispose();
  return { loss, correct, logits, dFeatures, dWeight, dBias };
}
