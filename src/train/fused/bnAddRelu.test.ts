import { describe, expect, it } from 'vitest';
import { backwardCode, forwardCode } from './bnAddRelu';

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
