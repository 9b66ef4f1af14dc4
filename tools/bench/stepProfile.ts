/**
 * Where a step's GPU time goes, per kind of kernel (bench `--profile`): every compute
 * dispatch of one step is captured as it is recorded (pipeline, bind groups, workgroups),
 * then, once the step is done, each is replayed alone in a submission of its own and waited
 * for (`onSubmittedWorkDone`), twice, keeping the faster; the cost of an empty submission is
 * subtracted. Timestamp queries would be the precise tool, but the software adapter offers
 * none. Replays run on the step's buffers after it, so values are garbage (the profiled
 * trainer is thrown away after) and tfjs's pooled uniform buffers may hold another
 * program's sizes by then: tfjs kernels' times are approximate; ours take no uniforms but
 * the BN's, which are never rewritten (runtime.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { codeOfPipeline, deviceOf } from '../../src/train/fused/runtime';
import type { KindTime, StepProfile } from './messages';

interface Captured {
  pipeline: GPUComputePipeline;
  bindGroups: (GPUBindGroup | null)[];
  workgroups: [number, number, number];
}

let capturing: Captured[] | null = null;
const state = new WeakMap<
  GPUComputePassEncoder,
  { pipeline: GPUComputePipeline | null; groups: (GPUBindGroup | null)[] }
>();

function stateOf(pass: GPUComputePassEncoder) {
  let s = state.get(pass);
  if (!s) {
    s = { pipeline: null, groups: [] };
    state.set(pass, s);
  }
  return s;
}

/** Wraps the compute pass encoder's recording calls (once per worker). */
export function instrumentCapture(): void {
  const proto = GPUComputePassEncoder.prototype;
  const setPipeline = proto.setPipeline;
  proto.setPipeline = function (this: GPUComputePassEncoder, p: GPUComputePipeline) {
    if (capturing) stateOf(this).pipeline = p;
    return setPipeline.call(this, p);
  };
  const setBindGroup = proto.setBindGroup as (
    this: GPUComputePassEncoder,
    index: number,
    group: GPUBindGroup | null,
    ...rest: unknown[]
  ) => undefined;
  proto.setBindGroup = function (
    this: GPUComputePassEncoder,
    index: number,
    group: GPUBindGroup | null,
    ...rest: unknown[]
  ) {
    if (capturing) stateOf(this).groups[index] = group;
    return setBindGroup.call(this, index, group, ...rest);
  } as typeof proto.setBindGroup;
  const dispatchWorkgroups = proto.dispatchWorkgroups;
  proto.dispatchWorkgroups = function (
    this: GPUComputePassEncoder,
    x: number,
    y?: number,
    z?: number,
  ) {
    if (capturing) {
      const s = stateOf(this);
      if (s.pipeline) {
        capturing.push({
          pipeline: s.pipeline,
          bindGroups: [...s.groups],
          workgroups: [x, y ?? 1, z ?? 1],
        });
      }
    }
    return dispatchWorkgroups.call(this, x, y, z);
  };
}

/** Our kernels by what their source declares; tfjs's by their program key. */
function kindOf(pipeline: GPUComputePipeline, tfjsKeys: Map<GPUComputePipeline, string>): string {
  const code = codeOfPipeline(pipeline);
  if (code === null) {
    const key = tfjsKeys.get(pipeline) ?? 'unknown';
    const name = /^[A-Za-z]+/.exec(key)?.[0] ?? key.slice(0, 16);
    return `tfjs ${name}`;
  }
  if (code.includes('runMean') || code.includes('stats[u.c + c] = inv')) return 'bn forward';
  if (code.includes('dgamma')) return 'bn backward';
  if (code.includes('segs: array<Seg>')) return 'filter grad sums (batched)';
  if (code.includes('partial[o') && code.includes('dx[xb')) return 'conv backward (dx + dw part)';
  if (code.includes('partial[o')) return 'conv backward stem (dw part)';
  if (code.includes('dw[j] = a')) return 'filter grad sum';
  if (code.includes('y1[yb')) return 'conv forward (two in one launch)';
  if (code.includes('y[yb')) return 'conv forward';
  if (code.includes('decay: array<f32>')) return 'optimizer';
  if (code.includes('pixels: array<u32>')) return 'augment';
  if (code.includes('fcW: array<f32>')) return 'classifier head';
  if (code.includes('out[i] = ')) return 'weighted sum';
  return 'ours (other)';
}

/** Runs `step` capturing its dispatches, then times each alone. */
export async function profileStep(step: () => Promise<void>): Promise<StepProfile> {
  const list: Captured[] = [];
  capturing = list;
  try {
    await step();
  } finally {
    capturing = null;
  }
  const device = deviceOf();
  await device.queue.onSubmittedWorkDone();
  const tfjsKeys = new Map<GPUComputePipeline, string>();
  const cache = (tf.backend() as unknown as { pipelineCache: Record<string, unknown> })
    .pipelineCache;
  for (const [key, p] of Object.entries(cache)) {
    if (p instanceof GPUComputePipeline) tfjsKeys.set(p, key);
  }
  const run = async (d: Captured | null): Promise<number> => {
    const t0 = performance.now();
    const enc = device.createCommandEncoder();
    if (d) {
      const pass = enc.beginComputePass();
      pass.setPipeline(d.pipeline);
      d.bindGroups.forEach((g, i) => g && pass.setBindGroup(i, g));
      pass.dispatchWorkgroups(...d.workgroups);
      pass.end();
    }
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  };
  let empty = Infinity;
  for (let i = 0; i < 5; i++) empty = Math.min(empty, await run(null));
  const byKind = new Map<string, KindTime>();
  let totalMs = 0;
  for (const d of list) {
    const ms = Math.max(0, Math.min(await run(d), await run(d)) - empty);
    totalMs += ms;
    const kind = kindOf(d.pipeline, tfjsKeys);
    const k = byKind.get(kind) ?? { kind, dispatches: 0, ms: 0, share: 0 };
    k.dispatches++;
    k.ms += ms;
    byKind.set(kind, k);
  }
  const round = (v: number) => Math.round(v * 10) / 10;
  const kinds = [...byKind.values()]
    .sort((a, b) => b.ms - a.ms)
    .map((k) => ({ ...k, ms: round(k.ms), share: Math.round((k.ms / totalMs) * 1000) / 1000 }));
  return { dispatches: list.length, gpuMs: round(totalMs), emptySubmitMs: round(empty), kinds };
}
