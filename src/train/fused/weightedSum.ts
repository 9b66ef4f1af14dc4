/**
 * out = sum_k w_k t_k in one dispatch (the recorded step's fan-in sums that do not fit a BN
 * kernel's bindings, the few sums a convolution must read materialised, and gradients of a
 * weight used twice). tfjs spent an addN plus a mul per weighted term on each (issue 16).
 */
import type * as tf from '@tensorflow/tfjs';
import { deviceOf, dispatch, emptyTensor, gridFor } from './runtime';

/** The WGSL of a weighted sum of `terms` inputs (grid-stride loop, 256 threads a group). */
export function weightedSumCode(terms: number): string {
  const decl: string[] = [];
  for (let k = 0; k < terms; k++) {
    decl.push(`@group(0) @binding(${k}) var<storage, read> t${k}: array<f32>;`);
  }
  decl.push(`@group(0) @binding(${terms}) var<storage, read_write> out: array<f32>;`);
  decl.push(`@group(0) @binding(${terms + 1}) var<uniform> u: U;`);
  const weights = Array.from({ length: terms }, (_, k) => `w${k}: f32`).join(', ');
  const sum = Array.from({ length: terms }, (_, k) => `u.w${k} * t${k}[i]`).join(' + ');
  return /* wgsl */ `
struct U { n: u32, ${weights} }
${decl.join('\n')}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let stride = nw.x * 256u;
  for (var i = gid.x; i < u.n; i = i + stride) { out[i] = ${sum}; }
}`;
}

const codes = new Map<number, string>();

function codeFor(terms: number): string {
  let code = codes.get(terms);
  if (code === undefined) {
    code = weightedSumCode(terms);
    codes.set(terms, code);
  }
  return code;
}

/**
 * sum_k w_k t_k as a new tensor of the first term's shape: one dispatch when the terms fit the
 * adapter's storage bindings (one is the output), else one per chunk, each chunk's sum the
 * first term of the next (the order of the additions is fixed by the list: deterministic).
 */
export function weightedSum<T extends tf.Tensor>(terms: { t: T; w: number }[]): T {
  if (terms.length === 0) throw new Error('a weighted sum needs at least one term');
  const first = terms[0]!.t;
  for (const { t } of terms) {
    if (t.size !== first.size) throw new Error('weighted sum of tensors of different sizes');
  }
  const most = Math.max(2, deviceOf().limits.maxStorageBuffersPerShaderStage - 1);
  let rest = terms;
  let acc: { t: T; w: number } | null = null;
  while (rest.length > 0) {
    const take = acc ? most - 1 : most;
    const chunk = [...(acc ? [acc] : []), ...rest.slice(0, take)];
    rest = rest.slice(take);
    const out = emptyTensor(first.shape) as T;
    dispatch({
      code: codeFor(chunk.length),
      bindings: [...chunk.map((c) => c.t), out],
      uniforms: [{ u32: first.size }, ...chunk.map((c) => ({ f32: c.w }))],
      workgroups: [gridFor(first.size)],
    });
    acc = { t: out, w: 1 };
  }
  return acc!.t;
}
