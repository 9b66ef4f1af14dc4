/**
 * Backend selection in the worker: WebGPU, then WebGL, then the CPU, recording why each
 * refused backend was refused so the UI can say it plainly ("CPU: WebGPU unavailable: ...").
 */
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type {
  AdapterSummary,
  BackendName,
  BackendReport,
  RefusedBackend,
} from '../protocol/training';
import { isSoftwareAdapterSummary } from '../model/backend';
import { bnWorkgroupFor, setBnWorkgroup } from './fused/bnAddRelu';

export const DEFAULT_BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'cpu'];

/** Live handles of the WebGPU backend in use (the trainer watches `device.lost`). */
export interface WebGpuHandles {
  adapter: GPUAdapter;
  device: GPUDevice;
}

let webGpuHandles: WebGpuHandles | null = null;

export function currentWebGpu(): WebGpuHandles | null {
  return webGpuHandles;
}

function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info;
  const l = adapter.limits;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    device: info.device,
    limits: {
      maxBufferSize: l.maxBufferSize,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    },
  };
}

/**
 * Asks for an adapter ourselves (rather than through tfjs's own factory) so that a missing
 * adapter becomes a reason, and so the adapter's info and limits can be reported.
 */
async function createWebGpuBackend(): Promise<{ backend: WebGPUBackend; adapter: AdapterSummary }> {
  const gpu = (self.navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) throw new Error('this browser has no WebGPU (navigator.gpu is missing in the worker)');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new Error(
      'no WebGPU adapter (on Linux, start Chromium with --enable-unsafe-webgpu; the GPU driver may lack Vulkan)',
    );
  }
  const l = adapter.limits;
  // Ask for the adapter's full limits: the defaults cap buffers at 256 MiB, too small for
  // the wide networks.
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      // The fused step's BN kernels read several residuals / gradient terms as extra
      // bindings (src/train/fused/recordedStep.ts); the default is 8.
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
  });
  webGpuHandles = { adapter, device };
  const summary = summarizeAdapter(adapter);
  // Fixed per adapter before any kernel is built, so a seed trains alike on it.
  setBnWorkgroup(bnWorkgroupFor(isSoftwareAdapterSummary(summary)));
  return { backend: new WebGPUBackend(device, adapter.info), adapter: summary };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Initialise tfjs on the first backend in `order` that works. Each attempt registers a fresh
 * factory and calls `tf.setBackend`, which returns false (or throws) when it fails.
 */
export async function initBackend(
  order: readonly BackendName[] = DEFAULT_BACKEND_ORDER,
): Promise<BackendReport> {
  const refused: RefusedBackend[] = [];
  for (const name of order) {
    let adapter: AdapterSummary | null = null;
    try {
      if (name === 'webgpu') {
        const created = await createWebGpuBackend();
        adapter = created.adapter;
        tf.removeBackend('webgpu');
        tf.registerBackend('webgpu', () => created.backend, 3);
      }
      if (name === 'webgl' && typeof OffscreenCanvas === 'undefined') {
        throw new Error('no OffscreenCanvas in this worker, so no WebGL context');
      }
      const ok = await tf.setBackend(name);
      if (!ok) throw new Error(`tfjs could not start its ${name} backend`);
      await tf.ready();
      if (name === 'webgl') {
        // tfjs's WebGL backend silently drops to float16 textures on weak GPUs: too lossy to train.
        if (!tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) {
          throw new Error('WebGL cannot render to float32 textures here, too imprecise to train');
        }
      }
      return { backend: name, adapter, refused, tfjsVersion: tf.version.tfjs };
    } catch (error) {
      if (name === 'webgpu') webGpuHandles = null;
      refused.push({ backend: name, reason: describe(error) });
    }
  }
  throw new Error(
    `No tfjs backend could start: ${refused.map((r) => `${r.backend}: ${r.reason}`).join('; ')}`,
  );
}
