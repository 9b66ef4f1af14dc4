/**
 * One import, start to finish: fetch or read every source, decode it, cut it into shards,
 * compute per-channel statistics and a checksum, store the shards under a pending id and make
 * the manifest visible last. Whatever goes wrong (bad input, network, quota, cancel) the
 * pending shards are deleted, so nothing half-written stays and no other dataset is touched.
 *
 * No DOM types: it runs in the import worker (and in unit tests under Node).
 */
import {
  DATASET_DB_VERSION,
  IMAGE_BYTES,
  SPLITS,
  beginImport,
  commitImport,
  deleteShards,
  putShard,
  type DatasetDb,
  type DatasetKind,
  type DatasetManifest,
  type Shard,
  type Split,
  type SplitInfo,
} from '../storage/datasetStore';
import type { ImportProgress, ImportRequest, ImportTimings } from '../model/dataset';
import { CIFAR100_COARSE_LABELS, DATASET_TITLES, labelNamesOf } from './labelNames';
import { DatasetInputError } from './readers/decodedImages';
import { decodeInput } from './readers/decodeInput';
import { statistics } from './channelStatistics';
import { ImportCancelledError } from './importCancelled';
import { fetchedName, fetchSource, sourceLabel } from './fetchSource';
import { hashAndStore, type ShardDigests } from './shardDigest';
import { ShardAccumulator } from './shardAccumulator';
import { secondsSince as seconds, WriteQueue } from './writeQueue';
import {
  describeWriteFailure,
  formatMegabytes,
  isOutOfSpace,
  PROBE_MARGIN_BYTES,
  spaceProblem,
} from '../storage/space';

export type { ImportProgress, ImportRequest, ImportSource, ImportTimings } from '../model/dataset';

export { SHARD_SIZE } from './shardAccumulator';
export { ImportCancelledError } from './importCancelled';

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  /** Where shards go (default IndexedDB); unit tests inject failures here. */
  putShard?: (db: DatasetDb, shard: Shard) => Promise<void>;
  /**
   * Hashes and stores a shard somewhere else (the import worker hands them to its shard
   * writer worker, transferring the buffers); default: `hashAndStore` with `putShard`, here.
   */
  storeShard?: (shard: Shard) => Promise<ShardDigests>;
  fetch?: typeof fetch;
  /** Asks the browser how full storage is, for the quota message. */
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
  /**
   * Whether the disk takes `bytes` more, by a scratch write (storage/space's probeDisk; null:
   * cannot tell). Tried before the first shard: the quota does not see a full disk.
   */
  probeDisk?: (bytes: number) => Promise<boolean | null>;
}

function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return (
    isOutOfSpace(error) ||
    (name === 'AbortError' && /quota/i.test(String((error as Error).message)))
  );
}

/** Downloads at once (see importDataset). */
const FETCHES_IN_FLIGHT = 2;

/** Seconds per stage, added up as the import runs. */
function emptyTimings(): ImportTimings {
  return {
    fetchSeconds: 0,
    waitSeconds: 0,
    decodeSeconds: 0,
    shardSeconds: 0,
    storeSeconds: 0,
    commitSeconds: 0,
    totalSeconds: 0,
  };
}

function toHex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function validateDatasetName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new DatasetInputError('Give the dataset a name.');
  if (trimmed.length > 80)
    throw new DatasetInputError('A dataset name can be at most 80 characters.');
  return trimmed;
}

/** Runs one import; resolves with the stored manifest or rejects leaving nothing behind. */
export async function importDataset(
  db: DatasetDb,
  request: ImportRequest,
  options: ImportOptions = {},
): Promise<DatasetManifest> {
  const name = validateDatasetName(request.name);
  if (request.sources.length === 0)
    throw new DatasetInputError('Choose at least one file or URL to import.');
  const { signal, onProgress } = options;
  const checkCancelled = (): void => {
    if (signal?.aborted) throw new ImportCancelledError();
  };
  checkCancelled();
  const started = performance.now();
  const storageId = await beginImport(db, name);
  const put = options.putShard ?? putShard;
  const storeUnchecked =
    options.storeShard ?? ((shard: Shard) => hashAndStore(shard, (s) => put(db, s)));
  // Each shard is checked against the space left before it is written: a write that fails on
  // a full disk can take the whole database with it (Chromium), a refusal takes nothing.
  let probed = false;
  const store = async (shard: Shard): Promise<ShardDigests> => {
    const estimate = await options.estimate?.().catch(() => undefined);
    const bytes =
      shard.pixels.byteLength + shard.labels.byteLength + (shard.coarseLabels?.byteLength ?? 0);
    let problem = estimate ? spaceProblem(estimate, bytes, `"${name}"`) : null;
    if (!problem && !probed && options.probeDisk) {
      probed = true;
      if ((await options.probeDisk(bytes + PROBE_MARGIN_BYTES)) === false) {
        problem = `Not enough disk space for "${name}": the disk has less than ${formatMegabytes(bytes + PROBE_MARGIN_BYTES)} left (the browser would allow this site more, but the disk itself is full).`;
      }
    }
    if (problem)
      throw new DatasetInputError(
        `${problem} Nothing was stored. Delete a dataset or a run, or free disk space, then import again.`,
      );
    return storeUnchecked(shard);
  };
  const timings = emptyTimings();
  const writes = new WriteQueue(store, timings);
  const writers = new Map<Split, ShardAccumulator>();
  const writerFor = (split: Split): ShardAccumulator => {
    let w = writers.get(split);
    if (!w) {
      w = new ShardAccumulator(split, storageId, writes);
      writers.set(split, w);
    }
    return w;
  };

  // Progress: fetched bytes are half the work, decoded-and-stored bytes the other half.
  const totals = request.sources.map((s) =>
    s.kind === 'file' ? s.blob.size : s.kind === 'bytes' ? s.bytes.byteLength : null,
  );
  let fetched = 0;
  let processed = 0;
  let images = 0;
  let phase: ImportProgress['phase'] = 'fetching';
  let lastReport = 0;
  const report = (force = false): void => {
    if (!onProgress) return;
    const now = performance.now();
    if (!force && now - lastReport < 100) return;
    lastReport = now;
    const known = totals.every((t) => t !== null);
    const total = known ? (totals as number[]).reduce((a, b) => a + b, 0) : 0;
    const fraction = known && total > 0 ? Math.min(1, (fetched + processed) / (2 * total)) : null;
    const seconds = (now - started) / 1000;
    const imagesPerSec = seconds > 0 ? images / seconds : 0;
    const secondsLeft = fraction && fraction > 0.02 ? (seconds * (1 - fraction)) / fraction : null;
    timings.totalSeconds = seconds;
    onProgress({ phase, images, fraction, imagesPerSec, secondsLeft, timings: { ...timings } });
  };

  try {
    const fetchImpl = options.fetch ?? fetch;
    // Downloads start in order: the first alone, so that it arrives early and its shards are
    // being stored (the slowest stage) while the next ones download, then FETCHES_IN_FLIGHT at
    // a time (all at once, they would all finish near the end and nothing would overlap).
    const buffers: (Promise<ArrayBuffer> | null)[] = request.sources.map(() => null);
    let nextFetch = 0;
    const startFetch = (): void => {
      if (nextFetch >= request.sources.length) return;
      const i = nextFetch++;
      const source = request.sources[i]!;
      const promise: Promise<ArrayBuffer> =
        source.kind === 'url'
          ? fetchSource(source, signal, fetchImpl, (n, total) => {
              if (totals[i] === null && total !== null) totals[i] = total;
              fetched += n;
              report();
            })
          : source.kind === 'file'
            ? source.blob.arrayBuffer()
            : Promise.resolve(source.bytes);
      buffers[i] = promise.then((b) => {
        if (source.kind !== 'url') fetched += b.byteLength;
        timings.fetchSeconds = seconds(started);
        while (nextFetch < Math.min(i + 1 + FETCHES_IN_FLIGHT, request.sources.length))
          startFetch();
        return b;
      });
      buffers[i].catch(() => undefined); // observed below, in order
    };
    startFetch();

    let kind: DatasetKind | undefined = request.kind;
    const origins: string[] = [];
    for (const [i, source] of request.sources.entries()) {
      let t = performance.now();
      const buffer = await buffers[i]!;
      buffers[i] = null; // decoded below; let it go once decoded
      timings.waitSeconds += seconds(t);
      checkCancelled();
      phase = 'decoding';
      report();
      t = performance.now();
      const decodedList = await decodeInput(fetchedName(source, buffer), buffer, kind, {
        checkCancelled,
        onProgress: () => report(),
      });
      timings.decodeSeconds += seconds(t);
      for (const decoded of decodedList) {
        if (kind && decoded.kind !== kind) {
          throw new DatasetInputError(
            `${decoded.origin} is ${DATASET_TITLES[decoded.kind]} but the other files are ${DATASET_TITLES[kind]}; import them separately.`,
          );
        }
        kind = decoded.kind;
        checkCancelled();
        phase = 'storing';
        t = performance.now();
        const storeBefore = timings.storeSeconds;
        await writerFor(decoded.split).add(decoded);
        timings.shardSeconds += seconds(t) - (timings.storeSeconds - storeBefore);
        images += decoded.count;
        report();
      }
      processed += buffer.byteLength;
      origins.push(sourceLabel(source));
    }
    for (const w of writers.values()) await w.flush();
    await writes.drain();
    checkCancelled();
    if (!kind || writers.size === 0) throw new DatasetInputError('The files held no images.');

    phase = 'finishing';
    const commitStarted = performance.now();
    report(true);
    const splits: Partial<Record<Split, SplitInfo>> = {};
    const digests: ArrayBuffer[] = [];
    for (const split of SPLITS) {
      const w = writers.get(split);
      if (!w) continue;
      splits[split] = { count: w.count, shardSizes: w.shardSizes };
      for (const d of await Promise.all(w.digests)) digests.push(d.pixels, d.labels);
    }
    // Every shard's pixel digest, then its label digest, in split and shard order.
    const joined = new Uint8Array(digests.length * 32);
    digests.forEach((d, i) => joined.set(new Uint8Array(d), i * 32));
    const statsWriter = writers.get('train') ?? writers.get('test')!;
    const { mean, std } = statistics(statsWriter.histogram);
    const counted = [...writers.values()].reduce((s, w) => s + w.count, 0);
    const manifest: DatasetManifest = {
      name,
      storageId,
      kind,
      source: `${DATASET_TITLES[kind]}: ${origins.join(', ')}`,
      classes: kind === 'cifar100' ? 100 : 10,
      labelNames: labelNamesOf(kind),
      splits,
      mean,
      std,
      checksum: toHex(await crypto.subtle.digest('SHA-256', joined)),
      bytes: counted * (IMAGE_BYTES + (kind === 'cifar100' ? 2 : 1)),
      createdAt: new Date().toISOString(),
      schemaVersion: DATASET_DB_VERSION,
    };
    if (kind === 'cifar100') manifest.coarseLabelNames = [...CIFAR100_COARSE_LABELS];
    checkCancelled();
    await commitImport(db, manifest);
    timings.commitSeconds = seconds(commitStarted);
    report(true);
    return manifest;
  } catch (error) {
    // Writes still in flight first: the cleanup must see every shard this import stored.
    await writes.settle();
    await deleteShards(db, storageId).catch(() => undefined);
    if (error instanceof ImportCancelledError || signal?.aborted) throw new ImportCancelledError();
    if (isQuotaError(error)) {
      const estimate = (await options.estimate?.().catch(() => undefined)) ?? {};
      throw new DatasetInputError(
        `${describeWriteFailure(error, `"${name}"`, estimate)} Nothing was stored.`,
      );
    }
    throw error;
  }
}
