/**
 * What a dataset is, apart from where it is stored: its kind, splits and manifest (the
 * dataset store keeps manifests of this shape, storage/datasetStore.ts), and what an import
 * is asked to read and reports while it runs (the import worker's protocol carries these).
 */

export const IMAGE_SIZE = 32;
export const IMAGE_CHANNELS = 3;
/** Bytes per image in a shard: 32 x 32 x 3, NHWC, RGB. */
export const IMAGE_BYTES = IMAGE_SIZE * IMAGE_SIZE * IMAGE_CHANNELS;

export const SPLITS = ['train', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export const DATASET_KINDS = ['cifar10', 'cifar100', 'svhn'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

export interface SplitInfo {
  count: number;
  /** Images in each shard, in shard order (all equal except maybe the last). */
  shardSizes: number[];
}

export interface DatasetManifest {
  /** The key: what a person and `openBatches({ dataset })` call it. */
  name: string;
  /** Where the shards live; a fresh id per import, so a failed import never collides. */
  storageId: string;
  kind: DatasetKind;
  /** Where it came from, for a person: file names or URLs and their format. */
  source: string;
  classes: number;
  labelNames: string[];
  /** CIFAR-100 only: the 20 superclasses, stored per image beside the fine label. */
  coarseLabelNames?: string[];
  splits: Partial<Record<Split, SplitInfo>>;
  /** Per-channel (R, G, B) mean and standard deviation on the 0..255 scale, over the train
   * split (the test split when there is no train split): what the trainer normalizes with. */
  mean: [number, number, number];
  std: [number, number, number];
  /** SHA-256 (hex) over the SHA-256 digests of every shard's pixels and labels, in order. */
  checksum: string;
  /** Bytes of pixels and labels stored. */
  bytes: number;
  /** ISO 8601 date of the import. */
  createdAt: string;
  schemaVersion: number;
}

/** Where an import reads from: a file the person chose, a URL, or bytes already in memory. */
export type ImportSource =
  | { kind: 'file'; name: string; blob: Blob }
  | { kind: 'url'; url: string; name?: string }
  | { kind: 'bytes'; name: string; bytes: ArrayBuffer };

export interface ImportRequest {
  /** The dataset's name (unique). */
  name: string;
  /** What the person says the files are; undefined detects from names and contents. */
  kind?: DatasetKind;
  sources: ImportSource[];
}

export interface ImportProgress {
  phase: 'fetching' | 'decoding' | 'storing' | 'finishing';
  /** Images stored so far. */
  images: number;
  /** 0..1, or null while the total is unknown. */
  fraction: number | null;
  imagesPerSec: number;
  secondsLeft: number | null;
  /** Where the time went so far (for the progress bar's tooltip and `npm run bench:data`). */
  timings?: ImportTimings;
}

/** Seconds spent in each stage of an import; fetching overlaps the others. */
export interface ImportTimings {
  /** From the start until the last source's bytes had all arrived. */
  fetchSeconds: number;
  /** Waiting for a source's bytes before it could be decoded. */
  waitSeconds: number;
  /** Reading the formats into NHWC images (gunzip, tar, planar-to-interleaved, ...). */
  decodeSeconds: number;
  /** Cutting shards and computing the statistics. */
  shardSeconds: number;
  /** Waiting for shard writes to commit. */
  storeSeconds: number;
  /** Checksums and the manifest's transaction. */
  commitSeconds: number;
  totalSeconds: number;
}
