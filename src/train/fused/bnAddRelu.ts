/**
 * Batch norm (batch statistics) + residual add + ReLU as one program forward and one
 * backward: the paper's "every + sits between BN and ReLU" (x' = ReLU(BN(h) + r), Eq. 1 and 3).
 * Unfused, tfjs spends a dozen dispatches on the forward (moments, normalisation, add, relu)
 * and some twenty on the gradient of that chain.
 *
 * Layout NHWC, so a channel is every C-th value; one workgroup owns one channel: it reduces
 * mean and variance (two passes, for accuracy), then normalises. The forward also writes
 * [mean | 1/sqrt(var+eps) | gamma] for the backward and, when given the running averages,
 * updates them in place (running = momentum * running + (1 - momentum) * batch).
 */
import * as tf from '@tensorflow/tfjs';
import { dispatch, emptyTensor, type Uniform } from './runtime';

/**
 * Threads per workgroup (one workgroup per channel): a parameter of both builders, chosen per
 * adapter when the backend starts (`setBnWorkgroup`, from `bnWorkgroupFor`). Each halving of
 * the tree reduction is a barrier, and on a software adapter a barrier suspends and resumes
 * every invocation of the group: at 16 the BN kernels cost 8x less a step on SwiftShader
 * (docs/performance.md); a hardware GPU wants the parallelism of 256. The choice changes the
 * order of the reduction's sums, so it is fixed for an adapter (never switched mid-run): a seed
 * trains alike, and resumes bit for bit, on one adapter.
 */
export const BN_WORKGROUP = 256;
/** What a software adapter gets (see above). */
export const BN_WORKGROUP_SOFTWARE = 16;

let bnWorkgroup = BN_WORKGROUP;

/** The BN workgroup for an adapter: small where a barrier is a context switch of the CPU. */
export function bnWorkgroupFor(software: boolean): number {
  return software ? BN_WORKGROUP_SOFTWARE : BN_WORKGROUP;
}

/** Sets the BN kernels' workgroup for this device (before any BN kernel is built). */
export function setBnWorkgroup(wg: number): void {
  if (!Number.isInteger(Math.log2(wg)) || wg < 2 || wg > 256) {
    throw new Error(`BN workgroup must be a power of two in 2..256, got ${wg}`);
  }
  bnWorkgroup = wg;
}

/** The BN kernels' workgroup now in use. */
export function currentBnWorkgroup(): number {
  return bnWorkgroup;
}

const reduceWgsl = (wg: number) => /* wgsl */ `
var<workgroup> redA: array<f32, ${wg}>;
var<workgroup> redB: array<f32, ${wg}>;
fn reduce2(t: u32, a: f32, b: f32) -> vec2<f32> {
  redA[t] = a;
  redB[t] = b;
  workgroupBarrier();
  for (var k = ${wg / 2}u; k > 0u; k = k >> 1u) {
    if (t < k) {
      redA[t] = redA[t] + redA[t + k];
      redB[t] = redB[t] + redB[t + k];
    }
    workgroupBarrier();
  }
  let r = vec2<f32>(redA[0], redB[0]);
  workgroupBarrier();
  return r;
}`;

/** Most terms a kernel sums where it reads (residuals forward, gradients backward). */
export const MAX_TERMS = 4;

/** `w0 * name0[j] + w1 * name1[j] + ...`: a weighted sum applied where it is read. */
function termSum(name: string, terms: number, j: string): string {
  return Array.from({ length: terms }, (_, k) => `u.w${k} * ${name}${k}[${j}]`).join(' + ');
}

/**
 * Forward with `residuals` residual inputs (0..MAX_TERMS) read as a weighted sum (Eq. 3's
 * average applied on the read, no pass of its own); weights w0.. in the uniforms.
 */
export function forwardCode(
  residuals: number,
  relu: boolean,
  running: boolean,
  wg = BN_WORKGROUP,
): string {
  let b = 0;
  const decl: string[] = [
    `@group(0) @binding(${b++}) var<storage, read> x: array<f32>;`,
    `@group(0) @binding(${b++}) var<storage, read> gamma: array<f32>;`,
    `@group(0) @binding(${b++}) var<storage, read> beta: array<f32>;`,
  ];
  for (let k = 0; k < residuals; k++) {
    decl.push(`@group(0) @binding(${b++}) var<storage, read> res${k}: array<f32>;`);
  }
  decl.push(`@group(0) @binding(${b++}) var<storage, read_write> y: array<f32>;`);
  decl.push(`@group(0) @binding(${b++}) var<storage, read_write> stats: array<f32>;`);
  if (running) {
    decl.push(`@group(0) @binding(${b++}) var<storage, read_write> runMean: array<f32>;`);
    decl.push(`@group(0) @binding(${b++}) var<storage, read_write> runVar: array<f32>;`);
  }
  decl.push(`@group(0) @binding(${b++}) var<uniform> u: U;`);
  return /* wgsl */ `
struct U { m: u32, c: u32, eps: f32, momentum: f32, w0: f32, w1: f32, w2: f32, w3: f32 }
${decl.join('\n')}
${reduceWgsl(wg)}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let c = wid.x;
  var s = 0.0;
  for (var i = t; i < u.m; i = i + ${wg}u) { s = s + x[i * u.c + c]; }
  let mean = reduce2(t, s, 0.0).x / f32(u.m);
  var q = 0.0;
  for (var i = t; i < u.m; i = i + ${wg}u) { let d = x[i * u.c + c] - mean; q = q + d * d; }
  let variance = reduce2(t, q, 0.0).x / f32(u.m);
  let inv = inverseSqrt(variance + u.eps);
  let g = gamma[c];
  let scale = g * inv;
  let shift = beta[c] - mean * scale;
  for (var i = t; i < u.m; i = i + ${wg}u) {
    let j = i * u.c + c;
    var v = x[j] * scale + shift;
    ${residuals > 0 ? `v = v + ${termSum('res', residuals, 'j')};` : ''}
    ${relu ? 'v = max(v, 0.0);' : ''}
    y[j] = v;
  }
  if (t == 0u) {
    stats[c] = mean;
    stats[u.c + c] = inv;
    stats[2u * u.c + c] = g;
    ${running ? 'runMean[c] = u.momentum * runMean[c] + (1.0 - u.momentum) * mean;' : ''}
    ${running ? 'runVar[c] = u.momentum * runVar[c] + (1.0 - u.momentum) * variance;' : ''}
  }
}`;
}

/**
 * Backward reading the output's gradient as a weighted sum of `dyTerms` tensors (the fan-in
 * of a stream read by several layers, summed here instead of by adds); with `residualGrad`
 * it also writes the residual's gradient (the caller scales it per residual term).
 */
export function backwardCode(
  relu: boolean,
  residualGrad: boolean,
  wg = BN_WORKGROUP,
  dyTerms = 1,
): string {
  let b = 0;
  const decl: string[] = [];
  for (let k = 0; k < dyTerms; k++) {
    decl.push(`@group(0) @binding(${b++}) var<storage, read> dy${k}: array<f32>;`);
  }
  decl.push(`@group(0) @binding(${b++}) var<storage, read> x: array<f32>;`);
  if (relu) decl.push(`@group(0) @binding(${b++}) var<storage, read> y: array<f32>;`);
  decl.push(`@group(0) @binding(${b++}) var<storage, read> stats: array<f32>;`);
  decl.push(`@group(0) @binding(${b++}) var<storage, read_write> dx: array<f32>;`);
  decl.push(`@group(0) @binding(${b++}) var<storage, read_write> dgamma: array<f32>;`);
  decl.push(`@group(0) @binding(${b++}) var<storage, read_write> dbeta: array<f32>;`);
  if (residualGrad)
    decl.push(`@group(0) @binding(${b++}) var<storage, read_write> dres: array<f32>;`);
  decl.push(`@group(0) @binding(${b++}) var<uniform> u: U;`);
  const sum = termSum('dy', dyTerms, 'j');
  const dz = relu ? `select(0.0, ${sum}, y[j] > 0.0)` : `(${sum})`;
  return /* wgsl */ `
struct U { m: u32, c: u32, w0: f32, w1: f32, w2: f32, w3: f32 }
${decl.join('\n')}
${reduceWgsl(wg)}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let c = wid.x;
  let mean = stats[c];
  let inv = stats[u.c + c];
  let g = stats[2u * u.c + c];
  var s1 = 0.0;
  var s2 = 0.0;
  for (var i = t; i < u.m; i = i + ${wg}u) {
    let j = i * u.c + c;
    let dz = ${dz};
    ${residualGrad ? 'dres[j] = dz;' : ''}
    s1 = s1 + dz;
    s2 = s2 + dz * (x[j] - mean) * inv;
  }
  let sums = reduce2(t, s1, s2);
  let m = f32(u.m);
  let k = g * inv / m;
  for (var i = t; i < u.m; i = i + ${wg}u) {
    let j = i * u.c + c;
    let dz = ${dz};
    let xh = (x[j] - mean) * inv;
    dx[j] = k * (m * dz - sums.x - xh * sums.y);
  }
  if (t == 0u) {
    dbeta[c] = sums.x;
    dgamma[c] = sums.y;
  }
}`;
}

/** The uniforms w0..w3 of a weighted sum (unused ones 0). */
export function termWeights(ws: number[]): Uniform[] {
  return Array.from({ length: MAX_TERMS }, (_, k) => ({ f32: ws[k] ?? 0 }));
}

/** Sources by variant, made once (see conv.ts's `memo`). */
const codes = new Map<string, string>();

function codeFor(key: string, make: () => string): string {
  let code = codes.get(key);
  if (code === undefined) {
    code = make();
    codes.set(key, code);
  }
  return code;
}

/** The forward's source for a variant (made once). */
export function bnForwardSource(residuals: number, relu: boolean, running: boolean): string {
  const wg = bnWorkgroup;
  return codeFor(`f${residuals}${+relu}${+running}w${wg}`, () =>
    forwardCode(residuals, relu, running, wg),
  );
}

/** The backward's source for a variant (made once). */
export function bnBackwardSource(relu: boolean, residualGrad: boolean, dyTerms: number): string {
  const wg = bnWorkgroup;
  return codeFor(`b${+relu}${+residualGrad}${dyTerms}w${wg}`, () =>
    backwardCode(relu, residualGrad, wg, dyTerms),
  );
}

export interface BnActOptions {
  relu: boolean;
  /** 2e-5 in the authors' code. */
  eps: number;
  /** Running averages to update in place during the forward (training only). */
  running?: { mean: tf.Variable; variance: tf.Variable; momentum: number };
}

/**
 * y = [ReLU](BN(x) [+ residual]) with batch statistics; differentiable in x, gamma, beta and
 * the residual. One dispatch forward, one backward.
 */
export function bnAddReluFused(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  residual: tf.Tensor4D | null,
  o: BnActOptions,
): tf.Tensor4D {
  const c = x.shape[3];
  const m = x.size / c;
  const hasRes = residual !== null;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xi, gi, bi] = args as tf.Tensor[];
    const ri = hasRes ? (args[3] as tf.Tensor) : null;
    const y = emptyTensor<tf.Rank.R4>(x.shape);
    const stats = emptyTensor<tf.Rank.R1>([3 * c]);
    const bindings: tf.TensorInfo[] = [xi!, gi!, bi!];
    if (ri) bindings.push(ri);
    bindings.push(y, stats);
    if (o.running) bindings.push(o.running.mean, o.running.variance);
    dispatch({
      code: bnForwardSource(+hasRes, o.relu, !!o.running),
      bindings,
      uniforms: [
        { u32: m },
        { u32: c },
        { f32: o.eps },
        { f32: o.running?.momentum ?? 0 },
        ...termWeights([1]),
      ],
      workgroups: [c],
    });
    save(o.relu ? [xi!, stats, y] : [xi!, stats]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [sx, sstats, sy] = saved;
        const residualGrad = hasRes && o.relu;
        const dx = emptyTensor<tf.Rank.R4>(x.shape);
        const dgamma = emptyTensor<tf.Rank.R1>([c]);
        const dbeta = emptyTensor<tf.Rank.R1>([c]);
        const dres = residualGrad ? emptyTensor<tf.Rank.R4>(x.shape) : null;
        const b: tf.TensorInfo[] = [dy, sx!];
        if (o.relu) b.push(sy!);
        b.push(sstats!, dx, dgamma, dbeta);
        if (dres) b.push(dres);
        dispatch({
          code: bnBackwardSource(o.relu, residualGrad, 1),
          bindings: b,
          uniforms: [{ u32: m }, { u32: c }, ...termWeights([1])],
          workgroups: [c],
        });
        const grads: tf.Tensor[] = [dx, dgamma, dbeta];
        if (hasRes) grads.push(dres ?? dy.clone());
        return grads;
      },
    };
  });
  const inputs: tf.Tensor[] = [x, gamma, beta];
  if (residual) inputs.push(residual);
  return op(...inputs) as tf.Tensor4D;
}

/** The same computation with plain tfjs ops (the reference, and the step on other backends). */
export function bnAddReluReference(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  residual: tf.Tensor4D | null,
  o: BnActOptions,
): { y: tf.Tensor4D; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  let y = tf.batchNorm(x, mean, variance, beta, gamma, o.eps) as tf.Tensor4D;
  if (residual) y = tf.add(y, residual);
  if (o.relu) y = tf.relu(y);
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}
