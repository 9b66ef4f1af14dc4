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
} from './datasetStore';
import { CIFAR100_COARSE_LABELS, DATASET_TITLES, labelNamesOf } from './labelNames';
import { DatasetInputError, type DecodedImages } from './readers/decodedImages';
import { decodeInput } from './readers/decodeInput';

/** Images per shard: big enough that IndexedDB round trips are few, small enough to prefetch. */
export const SHARD_SIZE = 2500;

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
}

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
    throw new DatasetInputError(`Downloading ${source.url} failed after ${received} bytes (${(error as Error).message}).`);
  }
  if (chunks.length === 1) {
    const only = chunks[0]!;
    if (only.byteOffset === 0 && only.byteLength === only.buffer.byteLength) return only.buffer as ArrayBuffer;
  }
  const out = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out.buffer;
}

function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || (name === 'AbortError' && /quota/i.test(String((error as Error).message)));
}

const MB = 2 ** 20;

/** Accumulates one split's images into shards and statistics. */
class ShardWriter {
  private pixels = new Uint8Array(SHARD_SIZE * IMAGE_BYTES);
  private labels = new Uint8Array(SHARD_SIZE);
  private coarse: Uint8Array | null = null;
  private filled = 0;
  readonly shardSizes: number[] = [];
  readonly digests: Promise<ArrayBuffer>[] = [];
  /** 256 bins per channel: exact mean and std with no floating-point drift. */
  readonly histogram = new Float64Array(3 * 256);
  count = 0;

  constructor(
    private readonly split: Split,
    private readonly storageId: string,
    private readonly write: (shard: Shard) => Promise<void>,
  ) {}

  async add(images: DecodedImages): Promise<void> {
    const h = this.histogram;
    const p = images.pixels;
    for (let i = 0; i < p.length; i += 3) {
      h[p[i]!]!++;
      h[256 + p[i + 1]!]!++;
      h[512 + p[i + 2]!]!++;
    }
    let from = 0;
    while (from < images.count) {
      const take = Math.min(SHARD_SIZE - this.filled, images.count - from);
      this.pixels.set(p.subarray(from * IMAGE_BYTES, (from + take) * IMAGE_BYTES), this.filled * IMAGE_BYTES);
      this.labels.set(images.labels.subarray(from, from + take), this.filled);
      if (images.coarseLabels) {
        this.coarse ??= new Uint8Array(SHARD_SIZE);
        this.coarse.set(images.coarseLabels.subarray(from, from + take), this.filled);
      }
      this.filled += take;
      from += take;
      if (this.filled === SHARD_SIZE) await this.flush();
    }
  }

  async flush(): Promise<void> {
    if (this.filled === 0) return;
    const n = this.filled;
    // Fresh buffers per shard: IndexedDB clones a view's whole ArrayBuffer.
    const shard: Shard = {
      storageId: this.storageId,
      split: this.split,
      index: this.shardSizes.length,
      count: n,
      pixels: this.pixels.slice(0, n * IMAGE_BYTES),
      labels: this.labels.slice(0, n),
    };
    if (this.coarse) shard.coarseLabels = this.coarse.slice(0, n);
    this.shardSizes.push(n);
    this.count += n;
    this.filled = 0;
    const digestInput = new Uint8Array(shard.pixels.byteLength + n);
    digestInput.set(shard.pixels);
    digestInput.set(shard.labels, shard.pixels.byteLength);
    this.digests.push(crypto.subtle.digest('SHA-256', digestInput));
    await this.write(shard);
  }
}

function statistics(histogram: Float64Array): { mean: [number, number, number]; std: [number, number, number] } {
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
  if (trimmed.length > 80) throw new DatasetInputError('A dataset name can be at most 80 characters.');
  return trimmed;
}

/** Runs one import; resolves with the stored manifest or rejects leaving nothing behind. */
export async function importDataset(
  db: DatasetDb,
  request: ImportRequest,
  options: ImportOptions = {},
): Promise<DatasetManifest> {
  const name = validateDatasetName(request.name);
  if (request.sources.length === 0) throw new DatasetInputError('Choose at least one file or URL to import.');
  const { signal, onProgress } = options;
  const checkCancelled = (): void => {
    if (signal?.aborted) throw new ImportCancelledError();
  };
  checkCancelled();
  const started = performance.now();
  const storageId = await beginImport(db, name);
  const write = options.putShard ?? putShard;
  const writers = new Map<Split, ShardWriter>();
  const writerFor = (split: Split): ShardWriter => {
    let w = writers.get(split);
    if (!w) {
      w = new ShardWriter(split, storageId, (shard) => write(db, shard));
      writers.set(split, w);
    }
    return w;
  };

  // Progress: fetched bytes are half the work, decoded-and-stored bytes the other half.
  const totals = request.sources.map((s) => (s.kind === 'file' ? s.blob.size : s.kind === 'bytes' ? s.bytes.byteLength : null));
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
    onProgress({ phase, images, fraction, imagesPerSec, secondsLeft });
  };

  try {
    const fetchImpl = options.fetch ?? fetch;
    // Start every download at once; decode them in the order given.
    const buffers = request.sources.map((source, i) => {
      const promise: Promise<ArrayBuffer> =
        source.kind === 'url'
          ? fetchSource(source, signal, fetchImpl, (n, total) => {
              if (totals[i] === null && total !== null) totals[i] = total;
              fetched += n;
              report();
            })
          : source.kind === 'file'
            ? source.blob.arrayBuffer().then((b) => {
                fetched += b.byteLength;
                return b;
              })
            : Promise.resolve(source.bytes).then((b) => {
                fetched += b.byteLength;
                return b;
              });
      promise.catch(() => undefined); // observed below, in order
      return promise;
    });

    let kind: DatasetKind | undefined = request.kind;
    const origins: string[] = [];
    for (const [i, source] of request.sources.entries()) {
      const buffer = await buffers[i]!;
      checkCancelled();
      phase = 'decoding';
      report();
      const decodedList = await decodeInput(fetchedName(source, buffer), buffer, kind, {
        checkCancelled,
        onProgress: () => report(),
      });
      for (const decoded of decodedList) {
        if (kind && decoded.kind !== kind) {
          throw new DatasetInputError(
            `${decoded.origin} is ${DATASET_TITLES[decoded.kind]} but the other files are ${DATASET_TITLES[kind]}; import them separately.`,
          );
        }
        kind = decoded.kind;
        checkCancelled();
        phase = 'storing';
        await writerFor(decoded.split).add(decoded);
        images += decoded.count;
        report();
      }
      processed += buffer.byteLength;
      origins.push(sourceLabel(source));
    }
    for (const w of writers.values()) await w.flush();
    checkCancelled();
    if (!kind || writers.size === 0) throw new DatasetInputError('The files held no images.');

    phase = 'finishing';
    report(true);
    const splits: Partial<Record<Split, SplitInfo>> = {};
    const digests: ArrayBuffer[] = [];
    for (const split of SPLITS) {
      const w = writers.get(split);
      if (!w) continue;
      splits[split] = { count: w.count, shardSizes: w.shardSizes };
      digests.push(...(await Promise.all(w.digests)));
    }
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
    report(true);
    return manifest;
  } catch (error) {
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
