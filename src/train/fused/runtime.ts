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

type PipelineEntry = GPUComputePipeline | Promise<GPUComputePipeline>;

/**
 * Pipelines by WGSL source, per device: every shape of a network that maps to the same code
 * (the blocks of a stage) shares one pipeline, compiled once per page.
 */
const pipelines = new WeakMap<GPUDevice, Map<string, PipelineEntry>>();

/** The WGSL source of each pipeline of ours (tools/bench's step profile names kernels by it). */
const codesByPipeline = new WeakMap<GPUComputePipeline, string>();

/** While `compileAhead` traces a step: dispatches only start compiling their pipelines. */
let compileOnly = false;

function cacheOf(device: GPUDevice): Map<string, PipelineEntry> {
  let cache = pipelines.get(device);
  if (!cache) {
    cache = new Map();
    pipelines.set(device, cache);
  }
  return cache;
}

function descriptor(device: GPUDevice, code: string): GPUComputePipelineDescriptor {
  return {
    layout: 'auto',
    compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
  };
}

function pipelineFor(device: GPUDevice, code: string): GPUComputePipeline {
  const cache = cacheOf(device);
  const entry = cache.get(code);
  if (entry && !(entry instanceof Promise)) return entry;
  // Not compiled ahead (or its asynchronous compilation is still running): compile now.
  const pipeline = device.createComputePipeline(descriptor(device, code));
  cache.set(code, pipeline);
  codesByPipeline.set(pipeline, code);
  return pipeline;
}

/** Whether the pipeline of `code` is compiled (not missing, not still compiling). */
export function isCompiled(code: string): boolean {
  const entry = cacheOf(internals().device).get(code);
  return entry !== undefined && !(entry instanceof Promise);
}

/** The WGSL source of `pipeline` when it is one of ours, else null (tfjs's). */
export function codeOfPipeline(pipeline: GPUComputePipeline): string | null {
  return codesByPipeline.get(pipeline) ?? null;
}

function compileAsync(device: GPUDevice, code: string): void {
  const cache = cacheOf(device);
  if (cache.has(code)) return;
  const pending = device.createComputePipelineAsync(descriptor(device, code)).then((p) => {
    codesByPipeline.set(p, code);
    if (cache.get(code) === pending) cache.set(code, p);
    return p;
  });
  cache.set(code, pending);
}

export interface CompileReport {
  /** Distinct pipelines of ours the traced step needs (shapes sharing code counted once). */
  ours: number;
  /** Those not compiled before this call (other networks or runs compiled the rest). */
  oursNew: number;
  /** tfjs programs the step needs that were compiled by this call. */
  tfjsNew: number;
  ms: number;
}

/**
 * Compiles every pipeline `trace` would use, asynchronously and in parallel, without running
 * anything: `trace` runs with tfjs in its compile-only mode (WEBGPU_ENGINE_COMPILE_ONLY: its
 * programs go to `createComputePipelineAsync` and record nothing) and with our `dispatch` and
 * `copies` recording nothing either, so nothing the trace touches is written (weights,
 * momentum, running averages). Tensors the trace creates hold garbage; `trace` disposes them.
 *
 * Why: on a software adapter shader compilation was most of the first step (5-10 s), one
 * pipeline after another as the step reached each kernel.
 */
export async function compileAhead(
  trace: () => void,
  onProgress?: (done: number, total: number) => void,
): Promise<CompileReport> {
  const t0 = performance.now();
  const be = internals();
  const cache = cacheOf(be.device);
  const tfjsCache = (be as unknown as { pipelineCache: Record<string, unknown> }).pipelineCache;
  const tfjsBefore = Object.keys(tfjsCache).length;
  const used = new Set<string>();
  const before = new Set(cache.keys());
  const flag = 'WEBGPU_ENGINE_COMPILE_ONLY';
  const wasCompileOnly = tf.env().getBool(flag);
  compileOnly = true;
  tf.env().set(flag, true);
  tracing = used;
  try {
    trace();
  } finally {
    compileOnly = false;
    tracing = null;
    tf.env().set(flag, wasCompileOnly);
  }
  // Progress counts our pipelines (tfjs's few programs are awaited as one more).
  const total = used.size + 1;
  let done = 0;
  const settled = () => onProgress?.(++done, total);
  onProgress?.(0, total);
  await Promise.all([
    ...[...used].map((code) => Promise.resolve(cache.get(code)).finally(settled)),
    (be as unknown as { checkCompileCompletionAsync(): Promise<void> })
      .checkCompileCompletionAsync()
      .finally(settled),
  ]);
  return {
    ours: used.size,
    oursNew: [...used].filter((c) => !before.has(c)).length,
    tfjsNew: Object.keys(tfjsCache).length - tfjsBefore,
    ms: performance.now() - t0,
  };
}

/** The codes the current `compileAhead` trace dispatched. */
let tracing: Set<string> | null = null;

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

/** Beyond this many entries a host cache starts over (entries of freed buffers age out). */
const MAX_CACHED = 4096;

interface HostCaches {
  layouts: WeakMap<GPUComputePipeline, GPUBindGroupLayout>;
  bindGroups: Map<string, GPUBindGroup>;
  /** Uniform blocks by their values: written once, bound from then on. */
  uniforms: Map<string, GPUBuffer>;
}

const hostCaches = new WeakMap<GPUDevice, HostCaches>();

function hostCachesOf(device: GPUDevice): HostCaches {
  let c = hostCaches.get(device);
  if (!c) {
    c = { layouts: new WeakMap(), bindGroups: new Map(), uniforms: new Map() };
    hostCaches.set(device, c);
  }
  return c;
}

const ids = new WeakMap<object, number>();
let nextId = 1;

function idOf(o: object): number {
  let id = ids.get(o);
  if (id === undefined) {
    id = nextId++;
    ids.set(o, id);
  }
  return id;
}

/**
 * A uniform buffer holding `uniforms` (scalars, 4 bytes each, in declaration order: WGSL's
 * layout for a struct of scalars). A buffer is never written again once made, so a dispatch
 * recorded earlier in the same command buffer keeps its values; a changed value (the learning
 * rate) gets a buffer of its own.
 */
function uniformBufferFor(device: GPUDevice, caches: HostCaches, uniforms: Uniform[]): GPUBuffer {
  let key = '';
  for (const u of uniforms) {
    key += 'f32' in u ? `f${u.f32},` : 'u32' in u ? `u${u.u32},` : `i${u.i32},`;
  }
  let buffer = caches.uniforms.get(key);
  if (buffer) return buffer;
  const bytes = Math.ceil((uniforms.length * 4) / 16) * 16;
  buffer = device.createBuffer({
    size: bytes,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    mappedAtCreation: true,
  });
  const range = buffer.getMappedRange();
  const f32 = new Float32Array(range);
  const u32 = new Uint32Array(range);
  const i32 = new Int32Array(range);
  uniforms.forEach((u, i) => {
    if ('f32' in u) f32[i] = u.f32;
    else if ('u32' in u) u32[i] = u.u32;
    else i32[i] = u.i32;
  });
  buffer.unmap();
  // Dropped, not destroyed, when the cache starts over: a pending command may still bind it.
  if (caches.uniforms.size >= MAX_CACHED) caches.uniforms.clear();
  caches.uniforms.set(key, buffer);
  return buffer;
}

/**
 * Record one dispatch into tfjs's current compute pass. Tensors bound here are marked as
 * owned by the pending command buffer, so disposing them before it is submitted defers the
 * buffer's reuse (as tfjs does for its own programs).
 */
export function dispatch(d: Dispatch): void {
  const be = internals();
  if (compileOnly) {
    compileAsync(be.device, d.code);
    tracing?.add(d.code);
    return;
  }
  const pipeline = pipelineFor(be.device, d.code);
  const caches = hostCachesOf(be.device);
  // The bind group is looked up by the buffers it binds: a network's shapes meet the same
  // buffers again step after step (tfjs's pool hands back buffers of the same sizes, and the
  // weights, uniforms and our own buffers stay), so most steps create none.
  let key = `${idOf(pipeline)}`;
  const buffers: GPUBuffer[] = [];
  for (const b of d.bindings) {
    let buffer: GPUBuffer;
    if (b instanceof GPUBuffer) buffer = b;
    else {
      be.commandQueueOwnedIds.add(b.dataId);
      buffer = bufferOf(b);
    }
    buffers.push(buffer);
    key += `,${idOf(buffer)}`;
  }
  let uniformBuffer: GPUBuffer | null = null;
  if (d.uniforms.length > 0) {
    uniformBuffer = uniformBufferFor(be.device, caches, d.uniforms);
    key += `,${idOf(uniformBuffer)}`;
  }
  let bindGroup = caches.bindGroups.get(key);
  if (!bindGroup) {
    const entries: GPUBindGroupEntry[] = buffers.map((buffer, i) => ({
      binding: i,
      resource: { buffer },
    }));
    if (uniformBuffer)
      entries.push({ binding: buffers.length, resource: { buffer: uniformBuffer } });
    let layout = caches.layouts.get(pipeline);
    if (!layout) {
      layout = pipeline.getBindGroupLayout(0);
      caches.layouts.set(pipeline, layout);
    }
    bindGroup = be.device.createBindGroup({ layout, entries });
    if (caches.bindGroups.size >= MAX_CACHED) caches.bindGroups.clear();
    caches.bindGroups.set(key, bindGroup);
  }
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
  if (compileOnly) return;
  const be = internals();
  be.ensureCommandEncoderReady();
  be.endComputePassEncoder();
  const enc = be.commandEncoder as GPUCommandEncoder;
  for (const c of list) enc.copyBufferToBuffer(c.src, c.srcOffset, c.dst, c.dstOffset, c.bytes);
}

/**
 * A copy of `t` in a buffer of its own, made on the device in queue order. Not `tf.clone`: on
 * WebGPU that shares the buffer (tfjs's Identity kernel), and our kernels write weights,
 * momentum and BN running averages in place, so a "copy" taken for a checkpoint and read back
 * a few steps later held those later steps' values.
 */
export function copyOnDevice<R extends tf.Rank>(t: tf.Tensor<R>): tf.Tensor<R> {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') {
    throw new Error(`copyOnDevice copies 4-byte values, not ${t.dtype}`);
  }
  const out = emptyTensor<R>([...t.shape], t.dtype);
  if (t.size === 0) return out;
  markInFlight([t, out]);
  copies([{ src: bufferOf(t), srcOffset: 0, dst: bufferOf(out), dstOffset: 0, bytes: t.size * 4 }]);
  return out;
}

/** Marks tensors as used by the pending command buffer (their buffers are reused only after). */
export function markInFlight(tensors: tf.TensorInfo[]): void {
  if (compileOnly) return;
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
