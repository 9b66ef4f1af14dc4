/**
 * The streaming loader the training worker reads batches from.
 *
 * Memory stays bounded whatever the data set's size: shards are read on demand, a window of
 * `SHUFFLE_WINDOW_SHARDS` shards at a time, with `prefetch` windows read ahead. Shuffling is
 * two-level and deterministic in (seed, epoch): the shard order is permuted, then the images
 * of each window are permuted. So a resumed run given the same seed, epoch and `startBatch`
 * sees exactly the batches it would have seen, and skipped windows are never read.
 */
import {
  IMAGE_BYTES,
  getManifest,
  openDatasetDb,
  readShard,
  type DatasetDb,
  type DatasetManifest,
  type Shard,
  type Split,
} from '../storage/datasetStore';
import { permutation, seededRandom } from '../model/random';

export { getManifest, openDatasetDb };
export type { DatasetDb, DatasetManifest };

export interface Batch {
  /** size x 32 x 32 x 3 bytes, NHWC, RGB, 0..255: ready for `tf.tensor4d(images, ...)`. */
  images: Uint8Array;
  /** The class of each image (CIFAR-100: the fine label). */
  labels: Int32Array;
  /** Images in this batch: `batchSize`, except that the last batch of an epoch may be smaller. */
  size: number;
}

export interface LoaderOptions {
  /** The dataset's name, as in its manifest. */
  dataset: string;
  split: 'train' | 'test';
  batchSize: number;
  seed: number;
  /** Together with `seed`, decides the order (when shuffling). */
  epoch: number;
  shuffle: boolean;
  /** Use only the first `limit` images of the split in stored order (the same subset every
   * epoch; shuffling reorders it). */
  limit?: number;
  /** Skip the first `startBatch` batches of this epoch (resuming), without reading them. */
  startBatch?: number;
  /** Windows of shards read ahead of the one being served (default 1). */
  prefetch?: number;
  /** Filled in as the loader reads (for benchmarks and memory checks). */
  stats?: LoaderStats;
}

/** What a loader has read, and the most shard bytes it held at once (its memory bound). */
export interface LoaderStats {
  shardsRead: number;
  bytesRead: number;
  peakHeldBytes: number;
}

/** Shards whose images are mixed together when shuffling. */
export const SHUFFLE_WINDOW_SHARDS = 4;

interface PlannedShard {
  index: number;
  /** Images used from this shard (fewer than stored when `limit` cuts it). */
  count: number;
}

interface Window {
  shards: PlannedShard[];
  count: number;
  /** Stream index of this window's first image. */
  start: number;
}

/** Images of the split that an epoch serves, after `limit`. */
export function epochImageCount(manifest: DatasetManifest, split: Split, limit?: number): number {
  const count = manifest.splits[split]?.count ?? 0;
  return limit === undefined ? count : Math.max(0, Math.min(count, Math.floor(limit)));
}

/** Batches in one epoch (the last one may be partial). */
export function batchesPerEpoch(
  manifest: DatasetManifest,
  split: Split,
  batchSize: number,
  limit?: number,
): number {
  return Math.ceil(epochImageCount(manifest, split, limit) / batchSize);
}

function validate(options: LoaderOptions): void {
  const { batchSize, limit, startBatch, prefetch } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  }
  if (limit !== undefined && !(limit >= 0)) throw new Error(`limit must be >= 0, got ${limit}`);
  if (startBatch !== undefined && !(Number.isInteger(startBatch) && startBatch >= 0)) {
    throw new Error(`startBatch must be a non-negative integer, got ${startBatch}`);
  }
  if (prefetch !== undefined && !(Number.isInteger(prefetch) && prefetch >= 0)) {
    throw new Error(`prefetch must be a non-negative integer, got ${prefetch}`);
  }
}

/** The epoch's windows: shards after `limit`, in (maybe shuffled) order, grouped. */
export function planEpoch(manifest: DatasetManifest, options: LoaderOptions): Window[] {
  const info = manifest.splits[options.split];
  if (!info) {
    throw new Error(`Dataset "${manifest.name}" has no ${options.split} split.`);
  }
  let remaining = epochImageCount(manifest, options.split, options.limit);
  const shards: PlannedShard[] = [];
  for (let index = 0; index < info.shardSizes.length && remaining > 0; index++) {
    const count = Math.min(info.shardSizes[index] ?? 0, remaining);
    shards.push({ index, count });
    remaining -= count;
  }
  const order = options.shuffle
    ? permutation(shards.length, seededRandom(options.seed, options.epoch, 0))
    : Array.from(shards.keys());
  const windows: Window[] = [];
  let start = 0;
  for (let w = 0; w < order.length; w += SHUFFLE_WINDOW_SHARDS) {
    const group = order.slice(w, w + SHUFFLE_WINDOW_SHARDS).map((i) => shards[i]!);
    const count = group.reduce((sum, s) => sum + s.count, 0);
    windows.push({ shards: group, count, start });
    start += count;
  }
  return windows;
}

function shardBytes(shards: Shard[]): number {
  return shards.reduce(
    (sum, s) => sum + s.pixels.byteLength + s.labels.byteLength + (s.coarseLabels?.byteLength ?? 0),
    0,
  );
}

interface LoadedWindow {
  window: Window;
  shards: Shard[];
  /** Window-local image order. */
  order: Uint32Array;
  /** Window-local index of each shard's first image. */
  offsets: number[];
}

async function loadWindow(
  db: DatasetDb,
  manifest: DatasetManifest,
  options: LoaderOptions,
  window: Window,
  windowIndex: number,
): Promise<LoadedWindow> {
  const shards = await Promise.all(
    window.shards.map((s) => readShard(db, manifest.storageId, options.split, s.index)),
  );
  const stats = options.stats;
  if (stats) {
    stats.shardsRead += shards.length;
    stats.bytesRead += shardBytes(shards);
  }
  const order = options.shuffle
    ? Uint32Array.from(
        permutation(window.count, seededRandom(options.seed, options.epoch, windowIndex + 1)),
      )
    : Uint32Array.from({ length: window.count }, (_, i) => i);
  const offsets: number[] = [];
  let offset = 0;
  for (const s of window.shards) {
    offsets.push(offset);
    offset += s.count;
  }
  return { window, shards, order, offsets };
}

/**
 * One epoch of batches. Reads nothing before the first `next()`; stop early with `return()`
 * (a `for await` loop's `break`) and no more shards are read.
 */
export async function* openBatches(
  db: DatasetDb,
  options: LoaderOptions,
): AsyncGenerator<Batch, void, undefined> {
  validate(options);
  const manifest = await getManifest(db, options.dataset);
  if (!manifest) {
    throw new Error(`No dataset named "${options.dataset}". Import it in the Data panel first.`);
  }
  const windows = planEpoch(manifest, options);
  const total = windows.reduce((sum, w) => sum + w.count, 0);
  const { batchSize } = options;
  let position = Math.min(total, (options.startBatch ?? 0) * batchSize);
  const first = windows.findIndex((w) => position < w.start + w.count);
  if (first < 0) return;
  const prefetch = options.prefetch ?? 1;

  const queue: Promise<LoadedWindow>[] = [];
  let nextToLoad = first;

  // Memory: the window being served plus `prefetch` windows read ahead (the bound), counted
  // when a window arrives and released when the next one replaces it.
  const stats = options.stats;
  let held = 0;
  const arrived = (loaded: LoadedWindow): LoadedWindow => {
    if (stats) {
      held += shardBytes(loaded.shards);
      stats.peakHeldBytes = Math.max(stats.peakHeldBytes, held);
    }
    return loaded;
  };
  const fill = (): void => {
    while (queue.length < prefetch + 1 && nextToLoad < windows.length) {
      const promise = loadWindow(db, manifest, options, windows[nextToLoad]!, nextToLoad).then(
        arrived,
      );
      // A rejection is observed when its turn comes; until then, keep it from being "unhandled".
      promise.catch(() => undefined);
      queue.push(promise);
      nextToLoad++;
    }
  };

  fill();
  let current = await queue.shift()!;
  fill();
  while (position < total) {
    const size = Math.min(batchSize, total - position);
    const images = new Uint8Array(size * IMAGE_BYTES);
    const labels = new Int32Array(size);
    for (let j = 0; j < size; j++, position++) {
      while (position >= current.window.start + current.window.count) {
        if (stats) held -= shardBytes(current.shards);
        current = await queue.shift()!;
        fill();
      }
      const local = current.order[position - current.window.start]!;
      let s = current.offsets.length - 1;
      while (current.offsets[s]! > local) s--;
      const shard = current.shards[s]!;
      const k = local - current.offsets[s]!;
      images.set(shard.pixels.subarray(k * IMAGE_BYTES, (k + 1) * IMAGE_BYTES), j * IMAGE_BYTES);
      labels[j] = shard.labels[k]!;
    }
    yield { images, labels, size };
  }
}
