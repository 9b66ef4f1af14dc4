import { describe, expect, it } from 'vitest';
import {
  identityMatrix,
  isIdempotent,
  matrixMultiply,
  matrixPower,
  maxAbsDifference,
  mergeMatrix,
} from './mergeMatrix';

describe('merge-and-run matrix M (Section 5)', () => {
  it('is K x K blocks of I/K', () => {
    expect(mergeMatrix(2)).toEqual([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
    for (const row of mergeMatrix(5)) for (const v of row) expect(v).toBeCloseTo(0.2, 15);
  });

  it.each([2, 3, 4, 5, 6, 7, 8])('M^n = M for K = %i (n = 2..16)', (k) => {
    const m = mergeMatrix(k);
    for (let n = 2; n <= 16; n++)
      expect(maxAbsDifference(matrixPower(m, n), m)).toBeLessThan(1e-12);
    expect(isIdempotent(m, { maxPower: 16 })).toBe(true);
  });

  it('the identity mapping of Table 5 is idempotent too; a generic matrix is not', () => {
    expect(isIdempotent(identityMatrix(3))).toBe(true);
    expect(
      isIdempotent([
        [0.6, 0.4],
        [0.5, 0.5],
      ]),
    ).toBe(false);
    expect(isIdempotent([[2]])).toBe(false);
  });

  it('multiplies and powers like matrices', () => {
    const a = [
      [1, 2],
      [3, 4],
    ];
    expect(matrixMultiply(a, a)).toEqual([
      [7, 10],
      [15, 22],
    ]);
    expect(matrixPower(a, 3)).toEqual(matrixMultiply(matrixMultiply(a, a), a));
    expect(() => mergeMatrix(0)).toThrow(/K must be/);
    expect(() => matrixPower(a, 0)).toThrow(/power/);
    expect(() => matrixMultiply(a, [[1, 2, 3]])).toThrow(/cannot multiply/);
  });
});
