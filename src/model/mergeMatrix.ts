/**
 * The merge-and-run mapping as a matrix (Section 3.1, Eq. 4 and Section 5).
 *
 * With K streams of dimension d, the mapping is the (Kd x Kd) matrix made of K x K blocks, each
 * block (1/K) I_d. Every block is a multiple of the same identity, so the matrix is fully
 * described by the K x K matrix of the scalar factors (all 1/K): that is what these functions
 * use. Products of such block matrices are block matrices of the products of the scalars, so
 * idempotence of the K x K scalar matrix is idempotence of the full mapping.
 */

export type Matrix = number[][];

/** The K x K scalar factors of the merge-and-run matrix M: every entry is 1/K. */
export function mergeMatrix(k: number): Matrix {
  if (!Number.isInteger(k) || k < 1) {
    throw new Error(`K must be a whole number of streams (1 or more), got ${k}`);
  }
  return Array.from({ length: k }, () => Array.from({ length: k }, () => 1 / k));
}

/** The identity mapping of Table 5 (K separate streams): the K x K identity. */
export function identityMatrix(k: number): Matrix {
  return Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (_, j) => (i === j ? 1 : 0)),
  );
}

export function matrixMultiply(a: Matrix, b: Matrix): Matrix {
  const n = a.length;
  const inner = b.length;
  const m = b[0]?.length ?? 0;
  if ((a[0]?.length ?? 0) !== inner) {
    throw new Error(`cannot multiply a ${n}x${a[0]?.length ?? 0} by a ${inner}x${m} matrix`);
  }
  const out: Matrix = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(m).fill(0);
    const ai = a[i] as number[];
    for (let t = 0; t < inner; t++) {
      const ait = ai[t] as number;
      const bt = b[t] as number[];
      for (let j = 0; j < m; j++) row[j] = (row[j] as number) + ait * (bt[j] as number);
    }
    out.push(row);
  }
  return out;
}

/** M^n for n >= 1 by repeated squaring. */
export function matrixPower(m: Matrix, n: number): Matrix {
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`the power must be a whole number >= 1, got ${n}`);
  let result: Matrix | null = null;
  let base = m;
  let e = n;
  while (e > 0) {
    if (e & 1) result = result === null ? base : matrixMultiply(result, base);
    e >>= 1;
    if (e > 0) base = matrixMultiply(base, base);
  }
  return result as Matrix;
}

/** Largest absolute entry-wise difference of two matrices of the same shape. */
export function maxAbsDifference(a: Matrix, b: Matrix): number {
  let worst = 0;
  a.forEach((row, i) =>
    row.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - ((b[i] as number[])[j] as number)));
    }),
  );
  return worst;
}

/**
 * Numeric check of idempotence: M^n = M for every n in 2..maxPower, within `tolerance`
 * (floating point: 1/K is not exact for K = 3, 5, 6, 7).
 */
export function isIdempotent(
  m: Matrix,
  options: { maxPower?: number; tolerance?: number } = {},
): boolean {
  const maxPower = options.maxPower ?? 8;
  const tolerance = options.tolerance ?? 1e-12;
  let power = m;
  for (let n = 2; n <= maxPower; n++) {
    power = matrixMultiply(power, m);
    if (maxAbsDifference(power, m) > tolerance) return false;
  }
  return true;
}
