/**
 * Two convolution forwards of the same shape in one launch (issue 16, "fewer launches"): the
 * K = 2 branches of a merge-and-run or identity block are independent until Eq. 3's average,
 * so their layers' convolutions, recorded side by side, share a launch; workgroup row 0 runs
 * the first job, row 1 the second (as conv.ts's `backwardCode` splits dx and dw).
 *
 * Each job is conv.ts's forward kernel (`forwardBody`, same layout, chosen per shape by the
 * tuner): every output sums its terms in the same order (kh, kw, then channels), so a paired
 * forward gives the same bits as two single ones.
 */
import type * as tf from '@tensorflow/tfjs';
import {
  type ConvShape,
  forwardBody,
  forwardChoice,
  forwardDeclarations,
  type ForwardNames,
  type ForwardVariant,
  keyOf,
} from './conv';
import { dispatch, emptyTensor } from './runtime';

/** Job j's buffers (named apart from the forward body's locals: x0, f0_0, xb0, ...). */
const jobNames = (j: number): ForwardNames => ({ x: `inX${j}`, f: `inF${j}`, y: `outY${j}` });

/** The paired forward's source: bindings x, f, y of job 0, then of job 1. */
export function pairedForwardCode(s: ConvShape, v: ForwardVariant): string {
  return /* wgsl */ `
${forwardDeclarations(s, v, jobNames(0), 0)}
${forwardDeclarations(s, v, jobNames(1), 3)}
@compute @workgroup_size(${v.wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let step = nwg.x * ${v.wg}u;
  if (gid.y == 0u) {${forwardBody(s, v, jobNames(0))}
  } else {${forwardBody(s, v, jobNames(1))}
  }
}`;
}

const codes = new Map<string, string>();

/** The paired forward's WGSL for layout `v` (made once per shape and layout). */
function pairedSource(s: ConvShape, v: ForwardVariant): string {
  const key = `p${v.wg},${v.tile},${v.pix},${keyOf(s)}`;
  let code = codes.get(key);
  if (code === undefined) {
    code = pairedForwardCode(s, v);
    codes.set(key, code);
  }
  return code;
}

/**
 * y_j = conv(x_j, f_j) for two convolutions of shape `s`, in one launch with the layout the
 * tuner chose for `s` (or layout `v`; conv.ts's quick layout while the chosen one's paired
 * pipeline compiles); null when that is tfjs's conv2d (the caller runs them
 * apart).
 */
export function pairedConvForward(
  xs: [tf.TensorInfo, tf.TensorInfo],
  filters: [tf.TensorInfo, tf.TensorInfo],
  s: ConvShape,
  v: ForwardVariant | 'tfjs' = forwardChoice(s, (chosen) => pairedSource(s, chosen)),
): [tf.Tensor4D, tf.Tensor4D] | null {
  if (v === 'tfjs') return null;
  const ys: [tf.Tensor4D, tf.Tensor4D] = [
    emptyTensor<tf.Rank.R4>([s.n, s.oh, s.ow, s.co]),
    emptyTensor<tf.Rank.R4>([s.n, s.oh, s.ow, s.co]),
  ];
  const invocations = (s.n * s.oh * s.ow * s.co) / (v.tile * v.pix);
  dispatch({
    code: pairedSource(s, v),
    bindings: [xs[0], filters[0], ys[0], xs[1], filters[1], ys[1]],
    uniforms: [],
    workgroups: [Math.max(1, Math.min(16384, Math.ceil(invocations / v.wg))), 2],
  });
  return ys;
}
