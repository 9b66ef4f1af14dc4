/**
 * A thin runtime for our own WGSL kernels inside tfjs 4.22's WebGPU backend.
 *
 * tfjs's `runWebGPUProgram` binds its inputs read-only and writes exactly one output, but the
 * fused kernels need several outputs (a batch-norm backward yields dx, dgamma and dbeta) and
 * in-place writes (the optimizer updates weights and momentum where they lie). So we record
 * our dispatches ourselves, into the backend's own command encoder and compute pass, exactly
 * as its `recordAndSubmit` does: same queue order, same deferred disposal, same batching.
 * The members used are private in tfjs's typings, hence the structural view below.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

type DataId = object;

interface UniformEntry {
  type: 'float32' | 'int32' | 'uint32';
  data: number[];
}

/** The parts of tfjs-backend-webgpu 4.22's backend that our dispatches go through. */
interface BackendInternals {
  device: GPUDevice;
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  commandQueueOwnedIds: WeakSet<DataId>;
  dispatchCountInPass: number;
  tensorMap: {
    get(dataId: DataId): { resource: GPUBuffer | GPUTexture | null; values: unknown };
  };
  uploadToGPU(dataId: DataId): void;
  makeUniforms(uniforms: UniformEntry[]): GPUBufferBinding;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

export type Uniform = { f32: number } | { u32: number } | { i32: number };

/** The WebGPU backend in use, or an error saying why the fused kernels cannot run. */
export function webgpuBackend(): WebGPUBackend {
  if (tf.getBackend() !== 'webgpu') {
    throw new Error(
      `fused kernels need the WebGPU backend (the current one is ${tf.getBackend()})`,
    );
  }
  return tf.backend() as WebGPUBackend;
}

function internals(): BackendInternals {
  return webgpuBackend() as unknown as BackendInternals;
}

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

function pipelineFor(device: GPUDevice, code: string): GPUComputePipeline {
  let cache = pipelines.get(device);
  if (!cache) {
    cache = new Map();
    pipelines.set(device, cache);
  }
  let pipeline = cache.get(code);
  if (!pipeline) {
    pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
    });
    cache.set(code, pipeline);
  }
  return pipeline;
}

/**
 * The GPU buffer behind a tensor (uploading it first if its values are still on the CPU).
 *
 * It also drops the backend's CPU copy of the values: tfjs's `read` (e.g. a checkpoint's
 * `variable.data()`) caches what it downloaded and returns that cache from then on, but our
 * kernels write weights, momentum and BN running averages in place, behind tfjs's back. A
 * stale cache made the second checkpoint of a fused run save the first one's weights (the
 * exact-resume e2e failed). The buffer is the truth; the next read downloads it again.
 */
export function bufferOf(t: tf.TensorInfo): GPUBuffer {
  const be = internals();
  be.uploadToGPU(t.dataId);
  const data = be.tensorMap.get(t.dataId);
  const resource = data.resource;
  if (!(resource instanceof GPUBuffer)) throw new Error('fused kernels need buffer-backed tensors');
  data.values = null;
  return resource;
}

/** A new float32 (or int32) tensor whose buffer a kernel will fill. */
export function emptyTensor<R extends tf.Rank>(
  shape: number[],
  dtype: 'float32' | 'int32' = 'float32',
): tf.Tensor<R> {
  const be = internals();
  const info = be.makeTensorInfo(shape, dtype);
  be.uploadToGPU(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>;
}

export interface Dispatch {
  /** WGSL with `main` as entry point; bindings 0..n-1 are `buffers` in order, then uniforms. */
  code: string;
  /** Tensors (bound by their buffer) and raw buffers, in binding order. */
  bindings: (tf.TensorInfo | GPUBuffer)[];
  /** Scalars of the `var<uniform>` struct at binding n, in declaration order. */
  uniforms: Uniform[];
  workgroups: [number, number?, number?];
}

/**
 * Record one dispatch into tfjs's current compute pass. Tensors bound here are marked as
 * owned by the pending command buffer, so disposing them before it is submitted defers the
 * buffer's reuse (as tfjs does for its own programs).
 */
export function dispatch(d: Dispatch): void {
  const be = internals();
  const entries: GPUBindGroupEntry[] = d.bindings.map((b, i) => {
    if (b instanceof GPUBuffer) return { binding: i, resource: { buffer: b } };
    be.commandQueueOwnedIds.add(b.dataId);
    return { binding: i, resource: { buffer: bufferOf(b) } };
  });
  if (d.uniforms.length > 0) {
    const uniform: UniformEntry[] = d.uniforms.map((u) =>
      'f32' in u
        ? { type: 'float32', data: [u.f32] }
        : 'u32' in u
          ? { type: 'uint32', data: [u.u32] }
          : { type: 'int32', data: [u.i32] },
    );
    entries.push({ binding: d.bindings.length, resource: be.makeUniforms(uniform) });
  }
  const pipeline = pipelineFor(be.device, d.code);
  const bindGroup = be.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  be.ensureCommandEncoderReady();
  if (!be.computePassEncoder) {
    be.computePassEncoder = (be.commandEncoder as GPUCommandEncoder).beginComputePass({});
  }
  const pass = be.computePassEncoder;
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1] ?? 1, d.workgroups[2] ?? 1);
  be.dispatchCountInPass++;
  if (tf.env().getNumber('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') <= be.dispatchCountInPass) {
    be.endComputePassEncoder();
    be.submitQueue();
  }
}

/**
 * Buffer-to-buffer copies between dispatches, in queue order: they end the current compute
 * pass and go on tfjs's command encoder (copies are no dispatches and cost no shader launch).
 */
export function copies(
  list: { src: GPUBuffer; srcOffset: number; dst: GPUBuffer; dstOffset: number; bytes: number }[],
): void {
  const be = internals();
  be.ensureCommandEncoderReady();
  be.endComputePassEncoder();
  const enc = be.commandEncoder as GPUCommandEncoder;
  for (const c of list) enc.copyBufferToBuffer(c.src, c.srcOffset, c.dst, c.dstOffset, c.bytes);
}

/** Marks tensors as used by the pending command buffer (their buffers are reused only after). */
export function markInFlight(tensors: tf.TensorInfo[]): void {
  const be = internals();
  for (const t of tensors) be.commandQueueOwnedIds.add(t.dataId);
}

/**
 * Submits what tfjs has recorded so far: buffers of our own may be destroyed after this
 * (a submit that references a destroyed buffer would fail as a whole).
 */
export function submitPending(): void {
  const be = internals();
  if (!be.commandEncoder) return;
  be.endComputePassEncoder();
  be.submitQueue();
}

export function deviceOf(): GPUDevice {
  return internals().device;
}

/** Workgroup count for a grid-stride loop over n elements with 256 threads a group. */
export function gridFor(n: number, maxGroups = 4096): number {
  return Math.max(1, Math.min(maxGroups, Math.ceil(n / 256)));
}
