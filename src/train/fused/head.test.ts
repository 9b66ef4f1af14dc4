import { describe, expect, it } from 'vitest';
import { HEAD_BINDINGS, headCode, headLayout } from './head';

const storageBindings = (code: string) => (code.match(/var<storage/g) ?? []).length;

// recordedStep.ts sizes the head's input (a weighted sum read where it is pooled) by these
// counts against the adapter's maxStorageBuffersPerShaderStage.
describe('classifier head source', () => {
  it('reads every feature term, weighted, and binds HEAD_BINDINGS buffers besides them', () => {
    const code = headCode(3);
    expect(storageBindings(code)).toBe(3 + HEAD_BINDINGS);
    expect(code).toContain('u.w0 * f0[j] + u.w1 * f1[j] + u.w2 * f2[j]');
    expect(storageBindings(headCode(1))).toBe(1 + HEAD_BINDINGS);
  });

  it('is one workgroup whose barriers all lie outside its loops', () => {
    const code = headCode(1);
    expect(code).toContain('@workgroup_size(256)');
    // A barrier in non-uniform control flow is invalid WGSL: each follows a closed loop.
    const body = code.slice(code.indexOf('fn main'));
    for (const line of body.split('\n').filter((l) => l.includes('Barrier()'))) {
      expect(line.startsWith('  ') && !line.startsWith('   '), line).toBe(true);
    }
  });

  it('lays out the scratch buffer without overlaps', () => {
    const [n, c, k] = [4, 6, 10];
    const at = headLayout(n, c, k);
    const parts: [number, number][] = [
      [at.pooled, n * c],
      [at.dLogits, n * k],
      [at.logits, n * k],
      [at.perImage, 2 * n],
      [at.totals, 2],
      [at.dWeight, c * k],
      [at.dBias, k],
    ];
    let end = 0;
    for (const [start, size] of parts) {
      expect(start).toBe(end);
      end = start + size;
    }
    expect(at.size).toBe(end);
  });
});
