import { describe, expect, it } from 'vitest';
import { backendBadgeText } from './backendLabel';

const limits = {
  maxBufferSize: 1,
  maxStorageBufferBindingSize: 1,
  maxComputeWorkgroupStorageSize: 1,
  maxComputeInvocationsPerWorkgroup: 1,
  maxComputeWorkgroupSizeX: 1,
  maxComputeWorkgroupsPerDimension: 1,
};

describe('backendBadgeText', () => {
  it('names the adapter architecture on WebGPU, and a software adapter as such', () => {
    const adapter = {
      vendor: 'google',
      architecture: 'swiftshader',
      description: '',
      device: '',
      limits,
    };
    expect(
      backendBadgeText({ backend: 'webgpu', adapter, refused: [], tfjsVersion: '4.22.0' }),
    ).toBe('WebGPU · software GPU: CPU speed (swiftshader)');
    expect(
      backendBadgeText({
        backend: 'webgpu',
        adapter: { ...adapter, vendor: 'nvidia', architecture: 'hopper' },
        refused: [],
        tfjsVersion: '4.22.0',
      }),
    ).toBe('WebGPU · hopper');
  });

  it('says which backend was refused and why on a fallback', () => {
    expect(
      backendBadgeText({
        backend: 'cpu',
        adapter: null,
        refused: [
          { backend: 'webgpu', reason: 'no WebGPU adapter' },
          { backend: 'webgl', reason: 'no context' },
        ],
        tfjsVersion: '4.22.0',
      }),
    ).toBe('CPU: WebGPU unavailable: no WebGPU adapter');
  });
});
