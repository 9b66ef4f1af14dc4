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
  listManifests,
  newStorageId,
  putShard,
  type DatasetDb,
  type DatasetKind,
  type DatasetManifest,
  type Shard,
  type Split,
  type SplitInfo,
} from '../storage/datasetStore';
import type { ImportProgress, ImportRequest } from '../model/dataset';
import { CIFAR100_COARSE_LABELS, DATASET_TITLES, labelNamesOf } from './labelNames';
import { DatasetInputError } from './readers/decodedImages';
import type { SourceWatch } from './readers/byteReader';
import { decodeStream } from './readers/decodeInput';
import { statistics } from './channelStatistics';
import { ImportCancelledError } from './importCancelled';
import { checkFits, openSource, sourceLabel } from './fetchSource';
import { PixelBufferPool } from './pixelBufferPool';
import { hashAndStore, type ShardDigests } from './shardDigest';
import { SHARD_SIZE, ShardAccumulator } from './shardAccumulator';
import { emptyTimings, secondsSince as seconds, WriteQueue } from './writeQueue';
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

/**
 * The import decoded to exactly the images (pixels, labels, splits) of a stored dataset: the
 * new copy is not kept, and the person is offered the existing one.
 */
export class DuplicateDatasetError extends DatasetInputError {
  override name = 'DuplicateDatasetError';
  constructor(readonly existing: DatasetManifest) {
    super(
      `These files hold the same images as "${existing.name}", already imported: nothing new was stored. Train on "${existing.name}".`,
    );
  }
}

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  /**
   * Where shards go (default IndexedDB); unit tests inject failures here. It must copy the
   * shard before it returns, as IndexedDB's put does: the shard's pixel buffer is then reused
   * for a later shard while the write commits.
   */
  putShard?: (db: DatasetDb, shard: Shard) => Promise<void>;
  fetch?: typeof fetch;
  /**
   * Runs the import while owning its pending record (the import worker holds a Web Lock named
   * `pendingLockName(storageId)`), so that the record is known abandoned once the owner is gone.
   */
  ownPending?: <T>(storageId: string, run: () => Promise<T>) => Promise<T>;
  /** Asks the browser how full storage is, for the quota message. */
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
  /**
   * Whether the disk takes `bytes` more, by a scratch write (storage/space's probeDisk; null:
   * cannot tell). Tried before the first shard: the quota does not see a full disk.
   */
  probeDisk?: (bytes: number) => Promise<boolean | null>;
}

/** Chromium reports a failed write to a full disk as an UnknownError "... (IOError)". */
function isDiskError(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return (
    (name === 'UnknownError' || name === 'DataError' || name === 'AbortError') &&
    /IOError|write blobs|disk|No space/i.test(String(message))
  );
}

function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return (
    isOutOfSpace(error) ||
    (name === 'AbortError' && /quota/i.test(String((error as Error).message)))
  );
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
  const { signal } = options;
  const checkCancelled = (): void => {
    if (signal?.aborted) throw new ImportCancelledError();
  };
  checkCancelled();
  const storageId = newStorageId(name);
  const run = () => importUnder(db, name, storageId, request, options, checkCancelled);
  return options.ownPending ? options.ownPending(storageId, run) : run();
}

async function importUnder(
  db: DatasetDb,
  name: string,
  storageId: string,
  request: ImportRequest,
  options: ImportOptions,
  checkCancelled: () => void,
): Promise<DatasetManifest> {
  const { signal, onProgress } = options;
  const started = performance.now();
  await beginImport(db, name, storageId);
  const put = options.putShard ?? putShard;
  // Shards are hashed and stored here, in the import worker, not in a shard writer worker of
  // their own: each worker's V8 heap keeps tens of MB of dead ArrayBuffers before collecting
  // them, so one worker making garbage instead of two lowered a 1 GiB gzip import's tab peak
  // (docs/data.md, import memory). A shard's pixel buffer takes a later shard's pixels as soon
  // as put and digest have copied it, while its write still commits: two shard buffers in the
  // tab instead of three.
  const pool = new PixelBufferPool(SHARD_SIZE * IMAGE_BYTES);
  const storeUnchecked = (shard: Shard): Promise<ShardDigests> =>
    hashAndStore(
      shard,
      (s) => put(db, s),
      () => pool.give(shard.pixels.buffer),
    );
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
      w = new ShardAccumulator(split, storageId, writes, (bytes) => pool.take(bytes));
      writers.set(split, w);
    }
    return w;
  };

  // Progress: the sources' bytes read so far, of their total (decoding keeps pace with reading).
  const totals = request.sources.map((s) =>
    s.kind === 'file' ? s.blob.size : s.kind === 'bytes' ? s.bytes.byteLength : null,
  );
  let consumed = 0;
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
    const fraction = known && total > 0 ? Math.min(1, consumed / total) : null;
    const seconds = (now - started) / 1000;
    const imagesPerSec = seconds > 0 ? images / seconds : 0;
    // No estimate near the end either: "0.0 s left" while the last writes commit misleads.
    const secondsLeft =
      phase !== 'finishing' && fraction && fraction > 0.02 && fraction < 0.995
        ? (seconds * (1 - fraction)) / fraction
        : null;
    timings.totalSeconds = seconds;
    onProgress({ phase, images, fraction, imagesPerSec, secondsLeft, timings: { ...timings } });
  };

  try {
    const fetchImpl = options.fetch ?? fetch;
    let kind: DatasetKind | undefined = request.kind;
    const origins: string[] = [];
    for (const [i, source] of request.sources.entries()) {
      checkCancelled();
      phase = 'fetching';
      report(true);
      const opened = await openSource(source, signal, fetchImpl);
      if (totals[i] === null) totals[i] = opened.wireBytes;
      const size = opened.totalBytes ?? opened.wireBytes;
      try {
        if (size !== null) await checkFits(sourceLabel(source), size, options.estimate);
        checkCancelled();
      } catch (error) {
        // The body is not wanted: stop the download.
        await opened.stream.cancel().catch(() => undefined);
        throw error;
      }
      let bytesRead = 0;
      let failure: unknown = null;
      const watch: SourceWatch = {
        onBytes: (n) => {
          bytesRead += n;
          consumed += n;
          report();
        },
        onWait: (ms) => void (timings.waitSeconds += ms / 1000),
        onFailure: (error) => void (failure ??= error),
      };
      phase = 'decoding';
      const decoded = decodeStream(opened.name, opened.stream, kind, {
        watch,
        // Each piece goes into a shard (copied) before the next is decoded.
        transientPieces: true,
        checkCancelled,
        onProgress: () => report(),
        totalBytes: opened.totalBytes,
        from: source.kind === 'url' ? 'url' : 'file',
        label: sourceLabel(source),
        ...(opened.blob ? { blob: opened.blob } : {}),
      });
      try {
        for (;;) {
          let t = performance.now();
          const waitBefore = timings.waitSeconds;
          const next = await decoded.next();
          timings.decodeSeconds += seconds(t) - (timings.waitSeconds - waitBefore);
          if (next.done) break;
          const piece = next.value;
          if (kind && piece.kind !== kind) {
            throw new DatasetInputError(
              `${piece.origin} is ${DATASET_TITLES[piece.kind]} but the other files are ${DATASET_TITLES[kind]}; import them separately.`,
            );
          }
          kind = piece.kind;
          checkCancelled();
          phase = 'storing';
          t = performance.now();
          const storeBefore = timings.storeSeconds;
          await writerFor(piece.split).add(piece);
          timings.shardSeconds += seconds(t) - (timings.storeSeconds - storeBefore);
          images += piece.count;
          report();
        }
      } catch (error) {
        await decoded.return(undefined).catch(() => undefined);
        if (signal?.aborted) throw new ImportCancelledError();
        if (failure !== null && !(error instanceof DatasetInputError)) {
          throw new DatasetInputError(
            `Downloading ${sourceLabel(source)} failed after ${bytesRead} bytes (${(failure as Error).message ?? String(failure)}); check the connection and import again.`,
          );
        }
        throw error;
      }
      timings.fetchSeconds = seconds(started);
      origins.push(sourceLabel(source));
    }
    for (const w of writers.values()) await w.flush();
    await writes.drain();
    checkCancelled();
    if (!kind || images === 0) {
      throw new DatasetInputError(
        'The files held no images (0 images read); choose files with images in them.',
      );
    }

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
    // The same images again (the same file, or the same data in another format): one copy.
    const same = (await listManifests(db)).find(
      (m) => m.checksum === manifest.checksum && m.kind === manifest.kind,
    );
    if (same) throw new DuplicateDatasetError(same);
    await commitImport(db, manifest);
    timings.commitSeconds = seconds(commitStarted);
    report(true);
    return manifest;
  } catch (error) {
    // Writes still in flight first: the cleanup must see every shard this import stored.
    await writes.settle();
    await deleteShards(db, storageId).catch(() => undefined);
    if (error instanceof ImportCancelledError || signal?.aborted) throw new ImportCancelledError();
    if (isDiskError(error)) {
      throw new DatasetInputError(
        `Could not store "${name}": the disk is full (the browser could not write its files). Nothing was stored. Free disk space, then import again.`,
      );
    }
    if (isQuotaError(error)) {
      const estimate = (await options.estimate?.().catch(() => undefined)) ?? {};
      throw new DatasetInputError(
        `${describeWriteFailure(error, `"${name}"`, estimate)} Nothing was stored.`,
      );
    }
    throw error;
  }
}
