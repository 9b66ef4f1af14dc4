import { describe, expect, it } from 'vitest';
import {
  backwardCode,
  bnBackwardSource,
  bnForwardSource,
  bnWorkgroupFor,
  currentBnWorkgroup,
  forwardCode,
  setBnWorkgroup,
} from './bnAddRelu';

const storageBindings = (code: string) => (code.match(/var<storage/g) ?? []).length;

// recordedStep.ts sizes its weighted sums by these counts against the adapter's
// maxStorageBuffersPerShaderStage: 7 + residuals forward, 5 + relu + residual + terms backward.
describe('BN kernel sources', () => {
  it('read every residual term, weighted, and bind 7 buffers besides them', () => {
    const code = forwardCode(3, true, true);
    expect(storageBindings(code)).toBe(7 + 3);
    expect(code).toContain('u.w0 * res0[j] + u.w1 * res1[j] + u.w2 * res2[j]');
    expect(storageBindings(forwardCode(0, false, true))).toBe(7);
  });

  it('sum the gradient terms where they are read and bind 5 + relu + residual besides them', () => {
    const code = backwardCode(true, true, 16, 2);
    expect(storageBindings(code)).toBe(5 + 1 + 1 + 2);
    expect(code).toContain('select(0.0, u.w0 * dy0[j] + u.w1 * dy1[j], y[j] > 0.0)');
    expect(storageBindings(backwardCode(false, false, 16, 1))).toBe(5 + 1);
  });

  it('size the reduction by the workgroup parameter', () => {
    expect(forwardCode(1, true, true, 64)).toContain('@workgroup_size(64)');
    expect(backwardCode(true, false, 32)).toContain('array<f32, 32>');
  });
});

describe('BN workgroup per adapter', () => {
  it('is small on a software adapter, 256 on a hardware one', () => {
    expect(bnWorkgroupFor(true)).toBe(16);
    expect(bnWorkgroupFor(false)).toBe(256);
  });

  it('builds sources at the workgroup set for the device, each kept apart', () => {
    const before = currentBnWorkgroup();
    try {
      setBnWorkgroup(16);
      expect(bnForwardSource(1, true, true)).toContain('@workgroup_size(16)');
      expect(bnBackwardSource(true, true, 1)).toContain('@workgroup_size(16)');
      setBnWorkgroup(256);
      expect(bnForwardSource(1, true, true)).toContain('@workgroup_size(256)');
      expect(bnBackwardSource(true, true, 1)).toContain('@workgroup_size(256)');
    } finally {
      setBnWorkgroup(before);
    }
  });

  it('refuses a workgroup that is not a power of two up to 256', () => {
    expect(() => setBnWorkgroup(24)).toThrow(/power of two/);
    expect(() => setBnWorkgroup(512)).toThrow(/power of two/);
  });
});
