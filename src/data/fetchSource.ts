/**
 * Opening an import's sources as byte streams (a File, bytes in memory or a URL: never read
 * whole, see readers/decodeInput.ts), checking up front that they can fit, and the names they
 * are known by.
 */
import type { ImportSource } from '../model/dataset';
import { ImportCancelledError } from './importCancelled';
import { bytesStream } from './readers/byteReader';
import { DatasetInputError } from './readers/decodedImages';

export function sourceName(source: ImportSource): string {
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
export function sourceLabel(source: ImportSource): string {
  return source.kind === 'url' ? source.url : source.name;
}

const MB = 2 ** 20;

/** Formats read with random access (in slices of a Blob), by name. */
const RANDOM_ACCESS = /\.(mat|parquet)$/i;

const formatMB = (bytes: number): string =>
  bytes >= 10 * 2 ** 30
    ? `${(bytes / 2 ** 30).toFixed(0)} GB`
    : bytes >= 2 ** 30
      ? `${(bytes / 2 ** 30).toFixed(1)} GB`
      : `${Math.ceil(bytes / MB)} MB`;

/** One source, opened: its bytes as a stream and what is known of their size. */
interface OpenedSource {
  name: string;
  stream: ReadableStream<Uint8Array>;
  /** Bytes the stream will deliver, when known (a file's size, an unencoded Content-Length). */
  totalBytes: number | null;
  /** For the progress bar: bytes the source will deliver on the wire, when known. */
  wireBytes: number | null;
  /** The source as a Blob, where it is one (MAT and Parquet readers read it in slices). */
  blob?: Blob;
}

export async function openSource(
  source: ImportSource,
  signal: AbortSignal | undefined,
  fetchImpl: typeof fetch,
): Promise<OpenedSource> {
  if (source.kind === 'file') {
    return {
      name: source.name,
      stream: source.blob.stream(),
      totalBytes: source.blob.size,
      wireBytes: source.blob.size,
      blob: source.blob,
    };
  }
  if (source.kind === 'bytes') {
    const bytes = new Uint8Array(source.bytes);
    return {
      name: source.name,
      stream: bytesStream(bytes),
      totalBytes: bytes.byteLength,
      wireBytes: bytes.byteLength,
    };
  }
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
  const header = response.headers.get('content-length');
  const length = header === null ? NaN : Number(header);
  const wireBytes = Number.isSafeInteger(length) && length > 0 ? length : null;
  // With a Content-Encoding, the length counts the encoded bytes, not what the body delivers.
  const totalBytes = response.headers.get('content-encoding') ? null : wireBytes;
  const name = sourceName(source);
  if (RANDOM_ACCESS.test(name) && !response.headers.get('content-encoding')) {
    // MAT and Parquet are read in slices: the download goes to the browser's blob store (on
    // disk when large), not into the tab, and is read from there.
    const blob = await response.blob();
    return { name, stream: blob.stream(), totalBytes: blob.size, wireBytes: blob.size, blob };
  }
  const stream = response.body ?? bytesStream(new Uint8Array(await response.arrayBuffer()));
  return { name, stream, totalBytes, wireBytes };
}

/**
 * Refuses a source that cannot fit before anything is read: what an import stores is at least
 * the size of its (compressed) source. No buffer is sized by a Content-Length any more (one of
 * 8e9 once surfaced as a raw ArrayBuffer error).
 */
export async function checkFits(
  label: string,
  bytes: number,
  estimate: (() => Promise<{ usage?: number; quota?: number }>) | undefined,
): Promise<void> {
  const found = await estimate?.().catch(() => undefined);
  if (found?.quota === undefined || found.usage === undefined) return;
  const free = Math.max(0, found.quota - found.usage);
  if (bytes > free) {
    throw new DatasetInputError(
      `${label} is ${formatMB(bytes)}, but this browser lets the site store only ${formatMB(free)} more. Nothing was stored. Delete datasets or free disk space, or import a smaller file.`,
    );
  }
}
