/**
 * What a test pass tells about the classes: the confusion matrix (row = true class, column =
 * predicted class, row-major counts), per-class error, and the fixed grid of test images
 * whose predictions the playground shows. Pure: the worker fills these from the predictions
 * its test pass already makes; the UI reads them.
 */

/** Grid images wanted in all; each class gets `gridPerClass(classes)` of them. */
export const GRID_TARGET = 40;

/** 4 per class for 10 classes (40 images), 1 per class for 100 (100 images). */
export function gridPerClass(classes: number): number {
  return Math.max(1, Math.floor(GRID_TARGET / classes));
}

/**
 * Picks the grid: the first `perClass` images of each class in the test split's stored order
 * (the pass reads it unshuffled), so every run on a dataset and every pass shows the same
 * images. Feed it the labels of the pass in order.
 */
export class GridPicker {
  readonly indices: number[] = [];
  readonly labels: number[] = [];
  private readonly taken: Uint32Array;
  private seen = 0;

  constructor(
    readonly classes: number,
    readonly perClass: number = gridPerClass(classes),
  ) {
    this.taken = new Uint32Array(classes);
  }

  /**
   * Takes the labels of the next `size` images; returns the positions in this batch that
   * joined the grid (in order), for copying their pixels and predictions.
   */
  add(labels: ArrayLike<number>, size: number): number[] {
    const picked: number[] = [];
    for (let j = 0; j < size; j++) {
      const label = labels[j]!;
      if (label >= 0 && label < this.classes && this.taken[label]! < this.perClass) {
        this.taken[label]! += 1;
        this.indices.push(this.seen + j);
        this.labels.push(label);
        picked.push(j);
      }
    }
    this.seen += size;
    return picked;
  }
}

/**
 * Adds a batch to `confusion` (classes x classes, row-major). Labels or predictions outside
 * 0..classes-1 are not counted (a corrupt label must not write past the matrix).
 */
export function addToConfusion(
  confusion: Uint32Array,
  classes: number,
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  size: number,
): void {
  for (let j = 0; j < size; j++) {
    const t = labels[j]!;
    const p = predictions[j]!;
    if (t >= 0 && t < classes && p >= 0 && p < classes) confusion[t * classes + p]! += 1;
  }
}

/** Images of each true class (the matrix's row sums). */
export function rowSums(confusion: ArrayLike<number>, classes: number): number[] {
  const sums = new Array<number>(classes).fill(0);
  for (let t = 0; t < classes; t++) {
    for (let p = 0; p < classes; p++) sums[t]! += confusion[t * classes + p]!;
  }
  return sums;
}

export function totalCount(confusion: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < confusion.length; i++) sum += confusion[i]!;
  return sum;
}

/** Misclassified images: everything off the diagonal. */
export function offDiagonal(confusion: ArrayLike<number>, classes: number): number {
  let diagonal = 0;
  for (let c = 0; c < classes; c++) diagonal += confusion[c * classes + c]!;
  return totalCount(confusion) - diagonal;
}

/** Fraction misclassified per true class (0..1); null for a class with no test images. */
export function perClassError(confusion: ArrayLike<number>, classes: number): (number | null)[] {
  const sums = rowSums(confusion, classes);
  return sums.map((n, c) => (n > 0 ? 1 - confusion[c * classes + c]! / n : null));
}

export interface ClassDifference {
  classIndex: number;
  /** Per-class error of the first run and of the second (0..1). */
  a: number;
  b: number;
  /** b - a: positive where the second run errs more. */
  delta: number;
}

/**
 * The classes where two runs' per-class errors differ most, largest |difference| first
 * (classes without test images in either are left out).
 */
export function classDifferences(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  classes: number,
): ClassDifference[] {
  const ea = perClassError(a, classes);
  const eb = perClassError(b, classes);
  const out: ClassDifference[] = [];
  for (let c = 0; c < classes; c++) {
    const x = ea[c];
    const y = eb[c];
    if (x === null || y === null || x === undefined || y === undefined) continue;
    out.push({ classIndex: c, a: x, b: y, delta: y - x });
  }
  return out.sort((p, q) => Math.abs(q.delta) - Math.abs(p.delta) || p.classIndex - q.classIndex);
}

/** The largest count in the matrix (the heat map's scale); 0 for an empty one. */
export function maxCount(confusion: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < confusion.length; i++) max = Math.max(max, confusion[i]!);
  return max;
}
