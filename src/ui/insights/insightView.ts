/**
 * What the insights panel shows, from a run's history: its test passes that carry a per-class
 * insight, the pass to show for a step, and the CSV of a matrix and of the per-class errors.
 * Pure (no React, no DOM), so it is unit-tested in Node.
 */
import { perClassError, rowSums } from '../../model/insights';
import type { InsightGrid, TestInsight, TestPoint } from '../../model/run';
import { toCsv } from '../charts/csv';

export interface InsightPass {
  step: number;
  epoch: number;
  /** The pass's test error (0..1). */
  error: number;
  insight: TestInsight;
}

/** The test passes with an insight, in step order (runs from before #18 have none). */
export function insightPasses(test: readonly TestPoint[]): InsightPass[] {
  const out: InsightPass[] = [];
  for (const p of test) {
    if (p.insight) out.push({ step: p.step, epoch: p.epoch, error: p.error, insight: p.insight });
  }
  return out;
}

/** The last pass at or before `step` (the first one when all are later); null when none. */
export function passAtStep(passes: readonly InsightPass[], step: number): InsightPass | null {
  let found: InsightPass | null = null;
  for (const p of passes) {
    if (p.step <= step) found = p;
    else break;
  }
  return found ?? passes[0] ?? null;
}

/** Whether two runs' grids show the same test images (so their predictions compare). */
export function sameImages(a: InsightGrid | undefined, b: InsightGrid | undefined): boolean {
  if (!a || !b || a.indices.length !== b.indices.length) return false;
  return (
    a.indices.every((v, i) => v === b.indices[i]) && a.classNames.length === b.classNames.length
  );
}

/** The matrix as CSV: one row per true class, one column per predicted class. */
export function confusionCsv(confusion: ArrayLike<number>, classNames: readonly string[]): string {
  const n = classNames.length;
  const rows = classNames.map((name, t) => [
    name,
    ...Array.from({ length: n }, (_, p) => confusion[t * n + p]!),
  ]);
  return toCsv(['true \\ predicted', ...classNames], rows);
}

/** Per-class error as CSV: class, test images, correct, error. */
export function perClassErrorCsv(
  confusion: ArrayLike<number>,
  classNames: readonly string[],
): string {
  const n = classNames.length;
  const sums = rowSums(confusion, n);
  const errors = perClassError(confusion, n);
  return toCsv(
    ['class', 'test_images', 'correct', 'error'],
    classNames.map((name, c) => [name, sums[c]!, confusion[c * n + c]!, errors[c] ?? null]),
  );
}
