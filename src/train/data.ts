/**
 * What the trainer needs from the dataset store, as an interface so unit tests can feed it
 * in-memory batches; the worker passes the real IndexedDB loader (src/data/loader.ts).
 */
import type { Batch, LoaderOptions } from '../data/loader';

export interface DataInfo {
  classes: number;
  height: number;
  width: number;
  channels: number;
  /** Per channel, on the 0..255 scale (the training split's). */
  mean: readonly number[];
  std: readonly number[];
  trainCount: number;
  testCount: number;
  /** Class names in label order, as the dataset was published (absent: "class 0", ...). */
  labelNames?: readonly string[];
  /** The stored import it comes from, and its content checksum (a run's dataset identity). */
  storageId?: string;
  checksum?: string;
}

/** A batch as the loader serves it. */
export type TrainerBatch = Batch;

/** The loader's options that the trainer chooses (the dataset and read-ahead are the source's). */
export type BatchRequest = Pick<
  LoaderOptions,
  'split' | 'batchSize' | 'seed' | 'epoch' | 'shuffle' | 'limit' | 'startBatch'
>;

export interface DataSource {
  /** The dataset's shape and statistics; throws a readable message when it is missing. */
  info(dataset: string): Promise<DataInfo>;
  batches(dataset: string, request: BatchRequest): AsyncGenerator<TrainerBatch, void, undefined>;
}
