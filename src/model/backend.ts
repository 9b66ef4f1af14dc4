/** The tfjs backends the training worker can run on, and what it reports about them. */

export const BACKEND_NAMES = ['webgpu', 'webgl', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The WebGPU adapter the worker found, and the limits that decide which networks fit. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  device: string;
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupSizeX: number;
    maxComputeWorkgroupsPerDimension: number;
  };
}

/**
 * Whether an adapter is a software rasteriser (SwiftShader, llvmpipe, WARP...): the GPU's
 * work runs on the CPU's cores, which changes what pays (pacing, barrier-free kernels).
 */
export function isSoftwareAdapterSummary(adapter: Omit<AdapterSummary, 'limits'> | null): boolean {
  if (!adapter) return false;
  const { vendor, architecture, description, device } = adapter;
  return /swiftshader|llvmpipe|lavapipe|software|basic render/i.test(
    [vendor, architecture, description, device].join(' '),
  );
}

/** A backend the worker tried and could not use, with the reason a person can read. */
export interface RefusedBackend {
  backend: BackendName;
  reason: string;
}

export interface BackendReport {
  backend: BackendName;
  /** Present when the chosen backend is WebGPU. */
  adapter: AdapterSummary | null;
  /** Every backend tried before the chosen one, in order, with why it was refused. */
  refused: RefusedBackend[];
  tfjsVersion: string;
}

export interface DeviceCheckResult {
  backend: BackendName;
  /** The convolution's shape: input NHWC and filter HWIO. */
  inputShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  /** Time of one convolution including the read-back, after a warm-up run. */
  milliseconds: number;
  /** Largest absolute difference against the tfjs CPU backend on the same inputs. */
  maxAbsDiffVsCpu: number;
}
