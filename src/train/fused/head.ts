/**
 * The classifier head of the recorded step as two launches of our own (issue 16): global
 * average pooling of the head's input (a weighted sum of stream tensors, read as it is
 * pooled), the fully connected layer, softmax cross-entropy averaged over the batch (step.ts's
 * `crossEntropy`), the count of correct predictions (step.ts's `countCorrect`: argmax, first
 * index on ties) and the whole backward: d logits = (softmax - onehot) / N, the fc weight
 * and bias gradients, and the pooled features' gradient broadcast back over the pixels (a
 * gradient contribution to each stream tensor, with its weight). tfjs spent ~33 dispatches on
 * this (mean, matMul, the loss's reductions and their gradients, oneHot, argMax, transposes).
 *
 * Launch 1, one workgroup per image: pool, logits, softmax, loss, d logits, d features.
 * Launch 2, over the fc weights: their gradients (sums over the batch in image order, so
 * deterministic), the bias gradient, the loss mean, the correct count, the logits.
 */
import type * as tf from '@tensorflow/tfjs';
import { dispatch, emptyTensor, type Uniform } from './runtime';

/** Threads per workgroup of launch 1 (few barriers; channels and classes strided over it). */
const HEAD_WORKGROUP = 64;

/**
 * Launch 1's source for `terms` feature tensors. Bindings: f0.. (features [N, P, C]), fc
 * weight [C, K], fc bias [K], labels [N] (int32), scratch, dfeat [N, P, C]. Scratch holds
 * pooled [N, C] | d logits [N, K] | logits [N, K] | per image (loss, correct) [N, 2].
 */
export function headForwardBackwardCode(terms: number): string {
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
var<workgroup> lse: f32;
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let n = wid.x;
  let pooledAt = n * u.c;
  let dLogitsAt = u.n * u.c + n * u.k;
  let logitsAt = u.n * u.c + u.n * u.k + n * u.k;
  let imageAt = u.n * u.c + 2u * u.n * u.k + 2u * n;
  // Global average pooling of the weighted sum of the feature terms.
  for (var c = t; c < u.c; c = c + ${wg}u) {
    var s = 0.0;
    for (var q = 0u; q < u.p; q = q + 1u) {
      let j = (n * u.p + q) * u.c + c;
      s = s + (${feature});
    }
    scratch[pooledAt + c] = s / f32(u.p);
  }
  storageBarrier();
  workgroupBarrier();
  for (var k = t; k < u.k; k = k + ${wg}u) {
    var l = fcB[k];
    for (var c = 0u; c < u.c; c = c + 1u) { l = l + scratch[pooledAt + c] * fcW[c * u.k + k]; }
    scratch[logitsAt + k] = l;
  }
  storageBarrier();
  workgroupBarrier();
  if (t == 0u) {
    // log-sum-exp about the max; argmax takes the first index of the max (as tf.argMax).
    var m = scratch[logitsAt];
    var best = 0u;
    for (var k = 1u; k < u.k; k = k + 1u) {
      let l = scratch[logitsAt + k];
      if (l > m) { m = l; best = k; }
    }
    var e = 0.0;
    for (var k = 0u; k < u.k; k = k + 1u) { e = e + exp(scratch[logitsAt + k] - m); }
    let v = m + log(e);
    lse = v;
    let label = labels[n];
    scratch[imageAt] = v - scratch[logitsAt + u32(label)];
    scratch[imageAt + 1u] = select(0.0, 1.0, i32(best) == label);
  }
  workgroupBarrier();
  let v = lse;
  let label = labels[n];
  let invN = 1.0 / f32(u.n);
  for (var k = t; k < u.k; k = k + ${wg}u) {
    let onehot = select(0.0, 1.0, i32(k) == label);
    scratch[dLogitsAt + k] = (exp(scratch[logitsAt + k] - v) - onehot) * invN;
  }
  storageBarrier();
  workgroupBarrier();
  // d pooled = d logits . fcW^T, spread evenly over the pixels (the mean's gradient).
  for (var c = t; c < u.c; c = c + ${wg}u) {
    var d = 0.0;
    for (var k = 0u; k < u.k; k = k + 1u) { d = d + scratch[dLogitsAt + k] * fcW[c * u.k + k]; }
    let g = d / f32(u.p);
    for (var q = 0u; q < u.p; q = q + 1u) { dfeat[(n * u.p + q) * u.c + c] = g; }
  }
}`;
}

/** Launch 2's source: bindings scratch, loss [1], correct [1], dW [C, K], dB [K], logits [N, K]. */
export const HEAD_REDUCE_CODE = /* wgsl */ `
struct U { n: u32, c: u32, k: u32 }
@group(0) @binding(0) var<storage, read> scratch: array<f32>;
@group(0) @binding(1) var<storage, read_write> loss: array<f32>;
@group(0) @binding(2) var<storage, read_write> correct: array<f32>;
@group(0) @binding(3) var<storage, read_write> dW: array<f32>;
@group(0) @binding(4) var<storage, read_write> dB: array<f32>;
@group(0) @binding(5) var<storage, read_write> logits: array<f32>;
@group(0) @binding(6) var<uniform> u: U;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let dLogitsAt = u.n * u.c;
  let logitsAt = u.n * u.c + u.n * u.k;
  let imageAt = u.n * u.c + 2u * u.n * u.k;
  if (i < u.c * u.k) {
    let c = i / u.k;
    let k = i % u.k;
    var s = 0.0;
    for (var n = 0u; n < u.n; n = n + 1u) { s = s + scratch[n * u.c + c] * scratch[dLogitsAt + n * u.k + k]; }
    dW[i] = s;
  }
  if (i < u.k) {
    var s = 0.0;
    for (var n = 0u; n < u.n; n = n + 1u) { s = s + scratch[dLogitsAt + n * u.k + i]; }
    dB[i] = s;
  }
  if (i < u.n * u.k) { logits[i] = scratch[logitsAt + i]; }
  if (i == 0u) {
    var l = 0.0;
    var r = 0.0;
    for (var n = 0u; n < u.n; n = n + 1u) {
      l = l + scratch[imageAt + 2u * n];
      r = r + scratch[imageAt + 2u * n + 1u];
    }
    loss[0] = l / f32(u.n);
    correct[0] = r;
  }
}`;

const codes = new Map<number, string>();

/** Launch 1's source for `terms` feature tensors (made once). */
export function headSource(terms: number): string {
  let code = codes.get(terms);
  if (code === undefined) {
    code = headForwardBackwardCode(terms);
    codes.set(terms, code);
  }
  return code;
}

/** Storage bindings of launch 1 besides its feature terms. */
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
 * average pool of sum_k w_k features_k (NHWC), with int32 `labels`. Two dispatches; every
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
  const scratch = emptyTensor<tf.Rank.R1>([n * c + 2 * n * k + 2 * n]);
  const dFeatures = emptyTensor<tf.Rank.R4>([n, h, w, c]);
  const weights: Uniform[] = features.map((f) => ({ f32: f.w }));
  dispatch({
    code: headSource(features.length),
    bindings: [...features.map((f) => f.t), fcWeight, fcBias, labels, scratch, dFeatures],
    uniforms: [{ u32: n }, { u32: p }, { u32: c }, { u32: k }, ...weights],
    workgroups: [n],
  });
  const loss = emptyTensor<tf.Rank.R0>([]);
  const correct = emptyTensor<tf.Rank.R0>([]);
  const dWeight = emptyTensor<tf.Rank.R2>([c, k]);
  const dBias = emptyTensor<tf.Rank.R1>([k]);
  const logits = emptyTensor<tf.Rank.R2>([n, k]);
  dispatch({
    code: HEAD_REDUCE_CODE,
    bindings: [scratch, loss, correct, dWeight, dBias, logits],
    uniforms: [{ u32: n }, { u32: c }, { u32: k }],
    workgroups: [Math.max(1, Math.ceil(Math.max(c * k, n * k) / 64))],
  });
  scratch.dispose();
  return { loss, correct, logits, dFeatures, dWeight, dBias };
}
