/**
 * The per-class side of a test pass (issue #18): the confusion matrix and the predictions on
 * the fixed grid of test images, gathered from the predictions the pass already makes (the
 * argmax behind its correct count, see step.ts `evalFromLogits`). The predictions stay on the
 * device until the pass ends and come back in one read, beside the pass's loss and count.
 */
import * as tf from '@tensorflow/tfjs';
import { addToConfusion, GridPicker } from '../model/insights';
import type { InsightGrid, TestInsight } from '../model/run';
import type { TrainerBatch } from './data';

export interface PassInsightResult {
  insight: TestInsight;
  /** The grid's images, when the pass was asked for them (the run's first pass). */
  grid: InsightGrid | null;
  /** The worker's own time on the insight, in ms (the read-back's wait not counted). */
  cpuMs: number;
}

export class PassInsights {
  private readonly picker: GridPicker;
  private readonly labels: Int32Array[] = [];
  private readonly predictions: tf.Tensor1D[] = [];
  private readonly gridPixels: Uint8Array[] = [];
  private readonly imageBytes: number;
  /** The worker's milliseconds of CPU work for the insight (timed, not stored). */
  private ms = 0;

  constructor(
    private readonly classes: number,
    private readonly shape: { height: number; width: number; channels: number },
    private readonly classNames: readonly string[] | undefined,
    private readonly withPixels: boolean,
  ) {
    this.picker = new GridPicker(classes);
    this.imageBytes = shape.height * shape.width * shape.channels;
  }

  /** Keeps the batch's labels and predictions (this object disposes the tensor). */
  addBatch(batch: TrainerBatch, predictions: tf.Tensor1D): void {
    const start = performance.now();
    this.predictions.push(predictions);
    this.labels.push(batch.labels.slice(0, batch.size));
    const picked = this.picker.add(batch.labels, batch.size);
    if (this.withPixels) {
      const b = this.imageBytes;
      for (const j of picked) this.gridPixels.push(batch.images.slice(j * b, (j + 1) * b));
    }
    this.ms += performance.now() - start;
  }

  /** Reads the predictions back (one read) and counts them; then frees them. */
  async finish(): Promise<PassInsightResult> {
    let start = performance.now();
    const all = this.predictions.length > 0 ? tf.concat(this.predictions) : null;
    this.dispose();
    this.ms += performance.now() - start;
    let predicted: Int32Array;
    try {
      predicted = all ? ((await all.data()) as Int32Array) : new Int32Array(0);
    } finally {
      all?.dispose();
    }
    start = performance.now();
    const { classes } = this;
    const confusion = new Uint32Array(classes * classes);
    let offset = 0;
    for (const labels of this.labels) {
      addToConfusion(confusion, classes, labels, predicted.subarray(offset), labels.length);
      offset += labels.length;
    }
    const indices = Uint32Array.from(this.picker.indices);
    const gridPredictions = Uint16Array.from(indices, (i) => predicted[i] ?? 0);
    let grid: InsightGrid | null = null;
    if (this.withPixels) {
      const pixels = new Uint8Array(this.gridPixels.length * this.imageBytes);
      this.gridPixels.forEach((p, k) => pixels.set(p, k * this.imageBytes));
      grid = {
        indices,
        labels: Uint16Array.from(this.picker.labels),
        pixels,
        ...this.shape,
        classNames: Array.from({ length: classes }, (_, c) => this.classNames?.[c] ?? `class ${c}`),
      };
    }
    this.ms += performance.now() - start;
    return { insight: { confusion, gridPredictions }, grid, cpuMs: this.ms };
  }

  /** Frees the predictions still held (a pass cut short). */
  dispose(): void {
    tf.dispose(this.predictions);
    this.predictions.length = 0;
  }
}
