import { describe, expect, it } from 'vitest';
import { weightedSumCode } from './weightedSum';

const storageBindings = (code: string) => (code.match(/var<storage/g) ?? []).length;

describe('weighted sum source', () => {
  it('sums every term with its weight into one output', () => {
    const code = weightedSumCode(3);
    expect(storageBindings(code)).toBe(4);
    expect(code).toContain('out[i] = u.w0 * t0[i] + u.w1 * t1[i] + u.w2 * t2[i]');
    expect(code).toContain('struct U { n: u32, w0: f32, w1: f32, w2: f32 }');
  });
});
