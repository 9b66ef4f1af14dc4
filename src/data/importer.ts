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
import type { ImportProgress, ImportRequest, ImportSource, ImportTimings } from '../model/dataset';
import { CIFAR100_COARSE_LABELS, DATASET_TITLES, labelNamesOf } from './labelNames';
import { DatasetInputError, LITTLE_ENDIAN, type DecodedImages } from './readers/decodedImages';
import { decodeInput } from './readers/decodeInput';
import { hashAndStore, type ShardDigests } from './shardDigest';

export type { ImportProgress, ImportRequest, ImportSource, ImportTimings } from '../model/dataset';

/** Images per shard: big enough that IndexedDB round trips are few, small enough to prefetch. */
export const SHARD_SIZE = 2500;

export class ImportCancelledError extends Error {
  override name = 'ImportCancelledError';
  constructor() {
    super('Import cancelled; nothing was stored.');
  }
}

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
}

function sourceName(source: ImportSource): string {
  if (source.kind === 'url') {
    if (source.name) return source.name;
    try {
      return decodeURIComponent(new URL(source.url).pathname.split('/').pop() || source.url);
    } catch {
      return source.url;
    }
  }
  return source.name;
}

/**
 * A server may send a .gz file with `Content-Encoding: gzip` (Vite's preview server does), and
 * then fetch hands over the bytes already decompressed: name them without the .gz.
 */
function fetchedName(source: ImportSource, buffer: ArrayBuffer): string {
  const name = sourceName(source);
  if (source.kind !== 'url' || !/\.t?gz$/i.test(name)) return name;
  const head = new Uint8Array(buffer, 0, Math.min(2, buffer.byteLength));
  if (head[0] === 0x1f && head[1] === 0x8b) return name;
  return name.replace(/\.tgz$/i, '.tar').replace(/\.gz$/i, '');
}

function sourceLabel(source: ImportSource): string {
  return source.kind === 'url' ? source.url : source.name;
}

async function fetchSource(
  source: Extract<ImportSource, { kind: 'url' }>,
  signal: AbortSignal | undefined,
  fetchImpl: typeof fetch,
  onBytes: (bytes: number, total: number | null) => void,
): Promise<ArrayBuffer> {
  let url: URL;
  try {
    url = new URL(source.url, globalThis.location?.href);
  } catch {
    throw new DatasetInputError(`"${source.url}" is not a valid URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DatasetInputError(`${source.url}: only http and https URLs can be imported.`);
  }
  let response: Response;
  try {
    response = await fetchImpl(url.href, signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw new ImportCancelledError();
    throw new DatasetInputError(
      `Could not fetch ${source.url}: the network failed or the server does not allow cross-origin requests (CORS) from this page (${(error as Error).message}). Download the file and import it from disk instead.`,
    );
  }
  if (!response.ok) {
    throw new DatasetInputError(
      `${source.url} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}; check the URL.`,
    );
  }
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : null;
  if (!response.body) {
    const buffer = await response.arrayBuffer();
    onBytes(buffer.byteLength, total);
    return buffer;
  }
  // With a Content-Length and a byte stream, the bytes are read straight into one buffer of
  // that size (no chunk objects, no second copy: about 15% less time for the full CIFAR-10).
  if (total !== null) {
    const byob = byobReader(response.body);
    if (byob) return readInto(byob, total, source, signal, onBytes);
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.byteLength;
      onBytes(value.byteLength, total);
    }
  } catch (error) {
    if (signal?.aborted) throw new ImportCancelledError();
    throw new DatasetInputError(
      `Downloading ${source.url} failed after ${received} bytes (${(error as Error).message}).`,
    );
  }
  return concat(chunks, received);
}

/** A reader that fills buffers it is given, or null where the body is not a byte stream. */
function byobReader(body: ReadableStream<Uint8Array>): ReadableStreamBYOBReader | null {
  try {
    return body.getReader({ mode: 'byob' });
  } catch {
    return null;
  }
}

/**
 * Reads a body of `total` bytes (its Content-Length) into one buffer. A server may send more
 * (with gzip Content-Encoding the length is the compressed size): the rest is read in chunks
 * and appended.
 */
async function readInto(
  reader: ReadableStreamBYOBReader,
  total: number,
  source: Extract<ImportSource, { kind: 'url' }>,
  signal: AbortSignal | undefined,
  onBytes: (bytes: number, total: number | null) => void,
): Promise<ArrayBuffer> {
  let buffer = new ArrayBuffer(total);
  const extra: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const inBuffer = received < total;
      const view = inBuffer
        ? new Uint8Array(buffer, received, total - received)
        : new Uint8Array(MB);
      const { done, value } = await reader.read(view);
      // The buffer handed over is transferred: from now on it is value's (also when done).
      if (inBuffer && value) buffer = value.buffer as ArrayBuffer;
      if (done || !value) break;
      if (!inBuffer) extra.push(value);
      received += value.byteLength;
      onBytes(value.byteLength, total);
    }
  } catch (error) {
    if (signal?.aborted) throw new ImportCancelledError();
    throw new DatasetInputError(
      `Downloading ${source.url} failed after ${received} bytes (${(error as Error).message}).`,
    );
  }
  if (extra.length === 0) return received === total ? buffer : buffer.slice(0, received);
  return concat([new Uint8Array(buffer), ...extra], received);
}

/** One buffer of `length` bytes holding the chunks in order (the only chunk's own if it fits). */
function concat(chunks: readonly Uint8Array[], length: number): ArrayBuffer {
  if (chunks.length === 1) {
    const only = chunks[0]!;
    if (only.byteOffset === 0 && only.byteLength === only.buffer.byteLength)
      return only.buffer as ArrayBuffer;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out.buffer;
}

function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return (
    name === 'QuotaExceededError' ||
    (name === 'AbortError' && /quota/i.test(String((error as Error).message)))
  );
}

const MB = 2 ** 20;

/** Downloads at once (see importDataset). */
const FETCHES_IN_FLIGHT = 2;

/** Shard writes in flight at once: IndexedDB commits them while the next file decodes. */
const WRITES_IN_FLIGHT = 4;

/** Counts of each byte value per channel over interleaved RGB images, into `histogram`. */
export function addChannelHistogram(pixels: Uint8Array, histogram: Float64Array): void {
  // Counted in 32 bits per call (at most 2^32 - 1 per bin: 1.3 billion images per call),
  // added to the float histogram once.
  const counts = new Uint32Array(3 * 256);
  let i = 0;
  if (LITTLE_ENDIAN && pixels.byteOffset % 4 === 0) {
    // 4 pixels = 3 words: r g b r | g b r g | b r g b (little-endian byte order).
    const words = new Uint32Array(
      pixels.buffer,
      pixels.byteOffset,
      Math.floor(pixels.byteLength / 12) * 3,
    );
    for (let w = 0; w < words.length; w += 3) {
      const a = words[w]!;
      const b = words[w + 1]!;
      const c = words[w + 2]!;
      counts[a & 0xff]!++;
      counts[256 + ((a >>> 8) & 0xff)]!++;
      counts[512 + ((a >>> 16) & 0xff)]!++;
      counts[a >>> 24]!++;
      counts[256 + (b & 0xff)]!++;
      counts[512 + ((b >>> 8) & 0xff)]!++;
      counts[(b >>> 16) & 0xff]!++;
      counts[256 + (b >>> 24)]!++;
      counts[512 + (c & 0xff)]!++;
      counts[(c >>> 8) & 0xff]!++;
      counts[256 + ((c >>> 16) & 0xff)]!++;
      counts[512 + (c >>> 24)]!++;
    }
    i = words.length * 4;
  }
  for (; i + 2 < pixels.length; i += 3) {
    counts[pixels[i]!]!++;
    counts[256 + pixels[i + 1]!]!++;
    counts[512 + pixels[i + 2]!]!++;
  }
  for (let k = 0; k < counts.length; k++) histogram[k]! += counts[k]!;
}

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

const seconds = (from: number): number => (performance.now() - from) / 1000;

/**
 * Accumulates one split's images into shards and statistics. Writes are not awaited one by
 * one: up to WRITES_IN_FLIGHT shards are being committed while decoding goes on, and `drain`
 * waits for all of them (an import commits its manifest only after every write committed).
 */
class ShardWriter {
  private pixels: Uint8Array | null = null;
  private labels = new Uint8Array(SHARD_SIZE);
  private coarse: Uint8Array | null = null;
  private filled = 0;
  readonly shardSizes: number[] = [];
  /** Each shard's digests, in shard order (settled once `WriteQueue.drain` resolved). */
  readonly digests: Promise<ShardDigests>[] = [];
  /** 256 bins per channel: exact mean and std with no floating-point drift. */
  readonly histogram = new Float64Array(3 * 256);
  count = 0;

  constructor(
    private readonly split: Split,
    private readonly storageId: string,
    private readonly writes: WriteQueue,
  ) {}

  async add(images: DecodedImages): Promise<void> {
    const p = images.pixels;
    addChannelHistogram(p.subarray(0, images.count * IMAGE_BYTES), this.histogram);
    let from = 0;
    while (from < images.count) {
      const take = Math.min(SHARD_SIZE - this.filled, images.count - from);
      const slice = p.subarray(from * IMAGE_BYTES, (from + take) * IMAGE_BYTES);
      const labels = images.labels.subarray(from, from + take);
      const coarse = images.coarseLabels?.subarray(from, from + take);
      if (this.filled === 0 && take === SHARD_SIZE) {
        // A whole shard in one piece: one copy (its own buffer: IndexedDB clones a view's
        // whole ArrayBuffer).
        await this.store(SHARD_SIZE, slice.slice(), labels.slice(), coarse?.slice());
      } else {
        this.pixels ??= new Uint8Array(SHARD_SIZE * IMAGE_BYTES);
        this.pixels.set(slice, this.filled * IMAGE_BYTES);
        this.labels.set(labels, this.filled);
        if (coarse) {
          this.coarse ??= new Uint8Array(SHARD_SIZE);
          this.coarse.set(coarse, this.filled);
        }
        this.filled += take;
        if (this.filled === SHARD_SIZE) await this.flush();
      }
      from += take;
    }
  }

  async flush(): Promise<void> {
    if (this.filled === 0 || !this.pixels) return;
    const n = this.filled;
    this.filled = 0;
    await this.store(
      n,
      this.pixels.slice(0, n * IMAGE_BYTES),
      this.labels.slice(0, n),
      this.coarse?.slice(0, n),
    );
  }

  private async store(
    n: number,
    pixels: Uint8Array<ArrayBuffer>,
    labels: Uint8Array<ArrayBuffer>,
    coarseLabels: Uint8Array | undefined,
  ): Promise<void> {
    const shard: Shard = {
      storageId: this.storageId,
      split: this.split,
      index: this.shardSizes.length,
      count: n,
      pixels,
      labels,
    };
    if (coarseLabels) shard.coarseLabels = coarseLabels;
    this.shardSizes.push(n);
    this.count += n;
    this.digests.push(this.writes.start(shard));
    await this.writes.waitForRoom();
  }
}

/** Shard writes in flight, oldest first; a failed write fails the import at the next `start`,
 * `waitForRoom` or `drain`. */
class WriteQueue {
  private readonly inFlight: Promise<unknown>[] = [];
  /** The first failure, once known: no more writes are started after it. */
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly write: (shard: Shard) => Promise<ShardDigests>,
    private readonly timings: ImportTimings,
  ) {}

  /** Starts storing a shard; its digests once stored. Throws once a write failed. */
  start(shard: Shard): Promise<ShardDigests> {
    if (this.failure) throw this.failure.error;
    const promise = this.write(shard);
    promise.catch((error: unknown) => void (this.failure ??= { error }));
    this.inFlight.push(promise);
    return promise;
  }

  /** Waits while too many writes are in flight; rejects once one of them failed. */
  async waitForRoom(): Promise<void> {
    if (this.failure) throw this.failure.error;
    if (this.inFlight.length > WRITES_IN_FLIGHT) {
      const t = performance.now();
      await this.inFlight.shift();
      this.timings.storeSeconds += seconds(t);
    }
  }

  /** Waits for every write; rejects with the first failure. */
  async drain(): Promise<void> {
    const t = performance.now();
    while (this.inFlight.length > 0) await this.inFlight.shift();
    this.timings.storeSeconds += seconds(t);
  }

  /** Waits for every write to settle, failed or not (before cleaning up after a failure). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.inFlight.splice(0));
  }
}

function statistics(histogram: Float64Array): {
  mean: [number, number, number];
  std: [number, number, number];
} {
  const mean: [number, number, number] = [0, 0, 0];
  const std: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let n = 0;
    let sum = 0;
    let sumSq = 0;
    for (let v = 0; v < 256; v++) {
      const k = histogram[c * 256 + v]!;
      n += k;
      sum += k * v;
      sumSq += k * v * v;
    }
    const m = n > 0 ? sum / n : 0;
    mean[c] = m;
    std[c] = n > 0 ? Math.sqrt(Math.max(0, sumSq / n - m * m)) : 0;
  }
  return { mean, std };
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
  const store = options.storeShard ?? ((shard: Shard) => hashAndStore(shard, (s) => put(db, s)));
  const timings = emptyTimings();
  const writes = new WriteQueue(store, timings);
  const writers = new Map<Split, ShardWriter>();
  const writerFor = (split: Split): ShardWriter => {
    let w = writers.get(split);
    if (!w) {
      w = new ShardWriter(split, storageId, writes);
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
      const estimate = await options.estimate?.().catch(() => undefined);
      const usage =
        estimate?.usage !== undefined && estimate.quota !== undefined
          ? ` (this site uses ${(estimate.usage / MB).toFixed(0)} MB of ${(estimate.quota / MB).toFixed(0)} MB)`
          : '';
      throw new DatasetInputError(
        `Not enough storage space for "${name}": the browser's storage quota ran out${usage}. Nothing was stored. Delete a dataset or free disk space, then import again.`,
      );
    }
    throw error;
  }
}
