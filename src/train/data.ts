/**
 * What the trainer needs from the dataset store, as an interface so unit tests can feed it
 * in-memory batches; the worker passes the real IndexedDB loader (src/data/loader.ts).
 */
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

export interface TrainerBatch {
  /** NHWC bytes, 0..255. */
  images: Uint8Array;
  labels: Int32Array;
  size: number;
}

export interface BatchRequest {
  split: 'train' | 'test';
  batchSize: number;
  seed: number;
  epoch: number;
  shuffle: boolean;
  limit?: number;
  startBatch?: number;
}

export interface DataSource {
  /** The dataset's shape and statistics; throws a readable message when it is missing. */
  info(dataset: string): Promise<DataInfo>;
  batches(dataset: string, request: BatchRequest): AsyncGenerator<TrainerBatch, void, undefined>;
}
