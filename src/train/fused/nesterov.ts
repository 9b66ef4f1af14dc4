/**
 * One kernel for the whole optimizer step: weight decay and Nesterov momentum (Section 4.2:
 * SGD, Nesterov momentum 0.9, weight decay 1e-4) applied to every weight in one dispatch.
 *
 * Weights, gradients and momentum live in flat buffers for the update. Each step gathers the
 * weights and gradients into them with buffer copies (no shader launches) and scatters the
 * new weights back into the variables' own buffers, so the variables stay the truth: a
 * checkpoint load or `assign` between steps is picked up at the next step.
 *
 * Update (as tfjs's MomentumOptimizer with useNesterov, and PyTorch's SGD):
 *   g = grad + wd * w;  v = momentum * v + g;  w = w - lr * (g + momentum * v)   (Nesterov)
 *                                              w = w - lr * v                    (plain)
 */
import type * as tf from '@tensorflow/tfjs';
import {
  bufferOf,
  copies,
  deviceOf,
  dispatch,
  gridFor,
  markInFlight,
  submitPending,
} from './runtime';

const NESTEROV_WGSL = /* wgsl */ `
struct U { n: u32, lr: f32, momentum: f32, nesterov: u32 }
@group(0) @binding(0) var<storage, read_write> w: array<f32>;
@group(0) @binding(1) var<storage, read_write> v: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read> decay: array<f32>;
@group(0) @binding(4) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let stride = nw.x * 256u;
  for (var i = gid.x; i < u.n; i = i + stride) {
    let wi = w[i];
    let gi = g[i] + decay[i] * wi;
    let vi = u.momentum * v[i] + gi;
    v[i] = vi;
    let step = select(vi, gi + u.momentum * vi, u.nesterov != 0u);
    w[i] = wi - u.lr * step;
  }
}`;

export interface OptimizedWeight {
  variable: tf.Variable;
  /** Weight decay for this weight (1e-4 in the paper; 0 to exempt it, see step.ts `decays`). */
  weightDecay: number;
}

export class FusedNesterov {
  readonly size: number;
  private readonly offsets: number[] = [];
  private readonly flatWeights: GPUBuffer;
  private readonly flatMomentum: GPUBuffer;
  private readonly flatGrads: GPUBuffer;
  private readonly flatDecay: GPUBuffer;

  constructor(
    private readonly weights: OptimizedWeight[],
    private readonly momentum = 0.9,
    private readonly nesterov = true,
  ) {
    let size = 0;
    for (const w of weights) {
      this.offsets.push(size);
      size += w.variable.size;
    }
    this.size = size;
    const device = deviceOf();
    const bytes = Math.max(4, size * 4);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    this.flatWeights = device.createBuffer({ size: bytes, usage });
    this.flatGrads = device.createBuffer({ size: bytes, usage });
    // Momentum starts at zero: WebGPU zero-initialises new buffers.
    this.flatMomentum = device.createBuffer({ size: bytes, usage });
    const decay = new Float32Array(size);
    weights.forEach((w, i) =>
      decay.fill(w.weightDecay, this.offsets[i], this.offsets[i]! + w.variable.size),
    );
    this.flatDecay = device.createBuffer({ size: bytes, usage, mappedAtCreation: true });
    new Float32Array(this.flatDecay.getMappedRange()).set(decay);
    this.flatDecay.unmap();
  }

  /**
   * Applies one update with `grads[i]` the gradient of `weights[i]` (same order, same shape).
   * With `momenta` (e.g. step.ts's OptimizerSlots velocities, which checkpoints save), the
   * momentum is read from and written back to those variables; without, it stays in the
   * optimizer's own flat buffer.
   */
  step(grads: tf.Tensor[], learningRate: number, momenta?: tf.Variable[]): void {
    if (grads.length !== this.weights.length) {
      throw new Error(`expected ${this.weights.length} gradients, got ${grads.length}`);
    }
    const gather: Parameters<typeof copies>[0] = [];
    const scatter: Parameters<typeof copies>[0] = [];
    this.weights.forEach((w, i) => {
      const grad = grads[i]!;
      if (grad.size !== w.variable.size) {
        throw new Error(`gradient ${i} has ${grad.size} values for a weight of ${w.variable.size}`);
      }
      const bytes = w.variable.size * 4;
      const offset = this.offsets[i]! * 4;
      const wb = bufferOf(w.variable);
      gather.push({ src: wb, srcOffset: 0, dst: this.flatWeights, dstOffset: offset, bytes });
      gather.push({
        src: bufferOf(grad),
        srcOffset: 0,
        dst: this.flatGrads,
        dstOffset: offset,
        bytes,
      });
      scatter.push({ src: this.flatWeights, srcOffset: offset, dst: wb, dstOffset: 0, bytes });
      const m = momenta?.[i];
      if (m) {
        if (m.size !== w.variable.size) throw new Error(`momentum ${i} does not match its weight`);
        const mb = bufferOf(m);
        gather.push({ src: mb, srcOffset: 0, dst: this.flatMomentum, dstOffset: offset, bytes });
        scatter.push({ src: this.flatMomentum, srcOffset: offset, dst: mb, dstOffset: 0, bytes });
      }
    });
    if (momenta) {
      if (momenta.length !== this.weights.length) throw new Error('one momentum per weight');
      markInFlight(momenta);
    }
    markInFlight(grads);
    markInFlight(this.weights.map((w) => w.variable));
    copies(gather);
    dispatch({
      code: NESTEROV_WGSL,
      bindings: [this.flatWeights, this.flatMomentum, this.flatGrads, this.flatDecay],
      uniforms: [
        { u32: this.size },
        { f32: learningRate },
        { f32: this.momentum },
        { u32: this.nesterov ? 1 : 0 },
      ],
      workgroups: [gridFor(this.size)],
    });
    copies(scatter);
  }

  dispose(): void {
    submitPending();
    this.flatWeights.destroy();
    this.flatGrads.destroy();
    this.flatMomentum.destroy();
    this.flatDecay.destroy();
  }
}
