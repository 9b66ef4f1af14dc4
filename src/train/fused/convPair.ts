/**
 * Two convolution forwards of the same shape in one launch (issue 16, "fewer launches"): the
 * K = 2 branches of a merge-and-run or identity block are independent until Eq. 3's average,
 * so their layers' convolutions, recorded side by side, share a launch; workgroup row 0 runs
 * the first job, row 1 the second (as conv.ts's `backwardCode` splits dx and dw).
 *
 * Each job is conv.ts's forward kernel (`forwardCode`, same layout, chosen per shape by the
 * tuner): every output sums its terms in the same order (kh, kw, then channels), so a paired
 * forward gives the same bits as two single ones.
 */
import type * as tf from '@tensorflow/tfjs';
import { type ConvShape, forwardChoice, type ForwardVariant, keyOf } from './conv';
import { dispatch, emptyTensor } from './runtime';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** One job of the paired forward, reading `x{j}`, `f{j}` and writing `y{j}`. */
function jobBody(s: ConvShape, v: ForwardVariant, j: number): string {
  const t = v.tile;
  const groups = s.co / t;
  const total = s.n * s.oh * s.ow * groups;
  return /* wgsl */ `
  for (var i = gid.x; i < ${total}u; i = i + step) {
    let g = i % ${groups}u;
    let pix = i / ${groups}u;
    let ow = pix % ${s.ow}u;
    let oh = (pix / ${s.ow}u) % ${s.oh}u;
    let n = pix / ${s.ow * s.oh}u;
    let co = g * ${t}u;
    ${range(t)
      .map((q) => `var a${q} = 0.0;`)
      .join(' ')}
    for (var kh = 0u; kh < ${s.k}u; kh = kh + 1u) {
      let ih = i32(oh * ${s.stride}u + kh) - ${s.pad};
      if (ih < 0 || ih >= ${s.h}) { continue; }
      for (var kw = 0u; kw < ${s.k}u; kw = kw + 1u) {
        let iw = i32(ow * ${s.stride}u + kw) - ${s.pad};
        if (iw < 0 || iw >= ${s.w}) { continue; }
        let xb = ((n * ${s.h}u + u32(ih)) * ${s.w}u + u32(iw)) * ${s.ci}u;
        let fb = (kh * ${s.k}u + kw) * ${s.ci * s.co}u + co;
        for (var c = 0u; c < ${s.ci}u; c = c + 1u) {
          let xv = x${j}[xb + c];
          let fr = fb + c * ${s.co}u;
          ${range(t)
            .map((q) => `a${q} = a${q} + xv * f${j}[fr + ${q}u];`)
            .join(' ')}
        }
      }
    }
    let yb = pix * ${s.co}u + co;
    ${range(t)
      .map((q) => `y${j}[yb + ${q}u] = a${q};`)
      .join(' ')}
  }`;
}

/** The paired forward's source: bindings x0, f0, y0, x1, f1, y1. */
export function pairedForwardCode(s: ConvShape, v: ForwardVariant): string {
  const decl = range(2).flatMap((j) => [
    `@group(0) @binding(${3 * j}) var<storage, read> x${j}: array<f32>;`,
    `@group(0) @binding(${3 * j + 1}) var<storage, read> f${j}: array<f32>;`,
    `@group(0) @binding(${3 * j + 2}) var<storage, read_write> y${j}: array<f32>;`,
  ]);
  return /* wgsl */ `
${decl.join('\n')}
@compute @workgroup_size(${v.wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let step = nwg.x * ${v.wg}u;
  if (gid.y == 0u) {${jobBody(s, v, 0)}
  } else {${jobBody(s, v, 1)}
  }
}`;
}

const codes = new Map<string, string>();

/**
 * y_j = conv(x_j, f_j) for two convolutions of shape `s`, in one launch with the layout the
 * tuner chose for `s` (or layout `v`); null when that is tfjs's conv2d (the caller runs them
 * apart).
 */
export function pairedConvForward(
  xs: [tf.TensorInfo, tf.TensorInfo],
  filters: [tf.TensorInfo, tf.TensorInfo],
  s: ConvShape,
  v: ForwardVariant | 'tfjs' = forwardChoice(s),
): [tf.Tensor4D, tf.Tensor4D] | null {
  if (v === 'tfjs') return null;
  const key = `p${v.wg},${v.tile},${keyOf(s)}`;
  let code = codes.get(key);
  if (code === undefined) {
    code = pairedForwardCode(s, v);
    codes.set(key, code);
  }
  const ys: [tf.Tensor4D, tf.Tensor4D] = [
    emptyTensor<tf.Rank.R4>([s.n, s.oh, s.ow, s.co]),
    emptyTensor<tf.Rank.R4>([s.n, s.oh, s.ow, s.co]),
  ];
  const invocations = (s.n * s.oh * s.ow * s.co) / v.tile;
  dispatch({
    code,
    bindings: [xs[0], filters[0], ys[0], xs[1], filters[1], ys[1]],
    uniforms: [],
    workgroups: [Math.max(1, Math.min(16384, Math.ceil(invocations / v.wg))), 2],
  });
  return ys;
}
