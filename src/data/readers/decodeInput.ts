/**
 * Decides what a file is from its first bytes and name, and hands it to the right reader:
 * gzip (then tar or a single file), tar (CIFAR members), MAT (SVHN), Parquet (Hugging Face),
 * or raw CIFAR binary. Every unrecognized input ends in a DatasetInputError a person can act on.
 *
 * Input arrives as a stream and images leave in pieces of about one shard: gzip, tar and
 * CIFAR binary are read piece by piece and never held whole, so an import's memory does not
 * grow with the file (issue #15, item 5). MAT and Parquet need random access: they are read in
 * slices of a Blob (the File itself, or the download kept in the browser's blob store), only
 * the headers and the piece being decoded in the tab's memory.
 */
import type { DatasetKind } from '../../storage/datasetStore';
import { ByteReader, bytesStream, type SourceWatch } from './byteReader';
import { GzipInflater, InflateError } from './gunzip';
import { RECORDS_PER_PIECE, cifarBinaryPieces } from './cifarBinary';
import { DatasetInputError, joinPieces, type DecodedImages } from './decodedImages';
import { looksLikeMat } from './matFile';
import { svhnMatSlices } from './matSlices';
import { blobAsyncBuffer, parquetImagePieces, type ParquetReadOptions } from './parquetImages';
import { looksLikeTar, tarEntries } from './tar';

const CIFAR10_MEMBER = /(^|\/)(data_batch_\d+|test_batch)\.bin$/;
const CIFAR100_MEMBER = /(^|\/)(train|test)\.bin$/;
const CIFAR10_MEMBERS = 'CIFAR-10 members (data_batch_1.bin … test_batch.bin)';
const CIFAR100_MEMBERS = 'CIFAR-100 members (train.bin, test.bin)';

/** Enough for every format's signature (a tar header is the longest). */
const HEAD_BYTES = 512;

/**
 * Real CIFAR binary gzips to about 0.9 of its size and images at most a few times smaller;
 * past this ratio the "dataset" is a gzip bomb (zeros), refused before it fills the disk.
 */
const MAX_GZIP_RATIO = 100;
const GZIP_RATIO_SLACK = 16 << 20;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** An HTML page (a server's "not found" page served with status 200, a login page). */
export function looksLikeHtml(bytes: Uint8Array): boolean {
  const start = String.fromCharCode(...bytes.subarray(0, 64))
    .replace(/^\u00ef\u00bb\u00bf/, '')
    .trimStart()
    .toLowerCase();
  return /^<(!doctype html|html|head|body)[\s>]/.test(start);
}

function baseName(name: string): string {
  return name.split(/[/\\]/).pop() ?? name;
}

/** The data set a raw .bin file belongs to, from its name (the official names differ). */
export function binaryKindFromName(name: string): DatasetKind {
  return CIFAR100_MEMBER.test(baseName(name)) && !CIFAR10_MEMBER.test(baseName(name))
    ? 'cifar100'
    : 'cifar10';
}

export interface DecodeOptions extends Pick<ParquetReadOptions, 'checkCancelled' | 'onProgress'> {
  /** The input's size when known (a file's size, a Content-Length), checked up front. */
  totalBytes?: number | null;
  /** Where the bytes came from: a web page from a URL gets its own message. */
  from?: 'file' | 'url';
  /** What messages call the whole input (its URL), when not its name. */
  label?: string;
  /** The input itself when it is a File or Blob: MAT and Parquet files are read in slices. */
  blob?: Blob;
  /** Told of every read from the input stream (progress, waits, a failed download). */
  watch?: SourceWatch;
  /**
   * CIFAR binary pieces may be transient (DecodedImages.transient): the caller copies each
   * before asking for the next, so all are decoded into the same arrays.
   */
  transientPieces?: boolean;
}

function htmlError(name: string, from: DecodeOptions['from']): DatasetInputError {
  return new DatasetInputError(
    from === 'url'
      ? `${name}: this URL returned a web page, not a dataset (the server answered with HTML, as many do for a missing file). Check that the URL points to the dataset file itself.`
      : `${name} is a web page (HTML), not a dataset; save the file the page links to and import that.`,
  );
}

/**
 * The input as a Blob for the random-access readers (MAT, Parquet): the File or Blob it was
 * opened from when the reader is still at its start, else the rest of the stream collected
 * into one (a member of a gzip, a source given as bytes).
 */
async function inputBlob(reader: ByteReader, options: DecodeOptions): Promise<Blob> {
  if (options.blob && reader.consumed === 0) {
    await reader.cancel();
    return options.blob;
  }
  return new Response(reader.rest()).blob();
}

async function* tarPieces(
  name: string,
  reader: ByteReader,
  kind: DatasetKind | undefined,
  options: DecodeOptions,
): AsyncGenerator<DecodedImages> {
  if (kind === 'svhn') {
    throw new DatasetInputError(
      `${name} is a tar archive; SVHN cropped digits come as train_32x32.mat and test_32x32.mat. Import those, or choose CIFAR-10 or CIFAR-100.`,
    );
  }
  let chosen = kind;
  let matched = 0;
  const others: string[] = [];
  for await (const { name: member, body } of tarEntries(name, reader)) {
    options.checkCancelled?.();
    const memberKind = CIFAR10_MEMBER.test(member)
      ? 'cifar10'
      : CIFAR100_MEMBER.test(member)
        ? 'cifar100'
        : null;
    if (!memberKind || (chosen && memberKind !== chosen)) {
      others.push(member);
      continue;
    }
    chosen = memberKind;
    matched++;
    yield* cifarBinaryPieces(
      member,
      body,
      memberKind,
      body.size,
      RECORDS_PER_PIECE,
      options.transientPieces,
    );
  }
  if (matched === 0) {
    const wanted =
      kind === 'cifar10'
        ? CIFAR10_MEMBERS
        : kind === 'cifar100'
          ? CIFAR100_MEMBERS
          : `${CIFAR10_MEMBERS} and no ${CIFAR100_MEMBERS}`;
    const found = others.slice(0, 8).join(', ') || 'no files';
    throw new DatasetInputError(
      `${name} holds no ${wanted}; it holds ${found}${others.length > 8 ? ', …' : ''}. Choose cifar-10-binary.tar.gz or cifar-100-binary.tar.gz.`,
    );
  }
}

/** Compressed bytes read from the source per chunk, into one reused buffer. */
const COMPRESSED_CHUNK_BYTES = 256 << 10;

/** Output chunks kept for reuse: what a piece of records spans, and some. */
const SPARE_OUTPUT_BUFFERS = 16;

/** A gzip file's contents as a stream, however it is inflated. */
interface Inflated {
  stream: ReadableStream<Uint8Array>;
  /** Whether an error is the inflater's: the file's data is damaged. */
  isDamage(error: unknown): boolean;
  /** Takes back a chunk's buffer once copied out (see ByteReader's `recycle`). */
  recycle?: (buffer: ArrayBuffer) => void;
  close(): void;
}

/** Counts both sides of an inflate and stops a gzip bomb before it fills the disk. */
function bombGuard(name: string): { compressed(n: number): void; inflated(n: number): void } {
  let compressedBytes = 0;
  let inflatedBytes = 0;
  return {
    compressed: (n) => void (compressedBytes += n),
    inflated: (n) => {
      inflatedBytes += n;
      if (inflatedBytes > MAX_GZIP_RATIO * compressedBytes + GZIP_RATIO_SLACK) {
        throw new DatasetInputError(
          `${name} decompresses to more than ${MAX_GZIP_RATIO} times its size (a gzip bomb, not a dataset); nothing was stored.`,
        );
      }
    },
  };
}

/**
 * Inflated by zlib in WebAssembly, pulled one compressed chunk at a time (read into one reused
 * buffer). Its chunks are copies of the inflater's output in buffers that the reader of the
 * stream hands back once it has copied them out, so that in the steady state nothing is
 * allocated per chunk.
 */
function wasmInflated(name: string, reader: ByteReader, inflater: GzipInflater): Inflated {
  const spare: ArrayBuffer[] = [];
  const guard = bombGuard(name);
  const compressed = reader.chunksInto(COMPRESSED_CHUNK_BYTES);
  const stream = new ReadableStream<Uint8Array>(
    {
      pull: async (controller) => {
        let produced = false;
        const emit = (bytes: Uint8Array): void => {
          guard.inflated(bytes.byteLength);
          const copy = new Uint8Array(spare.pop() ?? new ArrayBuffer(inflater.outputBytes));
          copy.set(bytes);
          controller.enqueue(copy.subarray(0, bytes.byteLength));
          produced = true;
        };
        while (!produced) {
          const next = await compressed.next();
          if (next.done) {
            inflater.end(emit);
            controller.close();
            return;
          }
          guard.compressed(next.value.byteLength);
          inflater.push(next.value, emit);
        }
      },
      cancel: async () => void (await compressed.return(undefined)),
    },
    { highWaterMark: 0 },
  );
  return {
    stream,
    isDamage: (error) => error instanceof InflateError,
    recycle: (buffer) => {
      if (buffer.byteLength === inflater.outputBytes && spare.length < SPARE_OUTPUT_BUFFERS) {
        spare.push(buffer);
      }
    },
    close: () => inflater.close(),
  };
}

/**
 * Inflated by the browser's DecompressionStream: where WebAssembly cannot run (a browser in a
 * JIT-less security mode has none), at the cost of the garbage its chunks make.
 */
function nativeInflated(name: string, reader: ByteReader): Inflated {
  const guard = bombGuard(name);
  const counted = (count: (bytes: number) => void) =>
    new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        count(chunk.byteLength);
        controller.enqueue(chunk);
      },
    });
  const stream = reader
    .rest()
    .pipeThrough(counted(guard.compressed))
    .pipeThrough(new DecompressionStream('gzip') as ReadableWritablePair<Uint8Array, Uint8Array>)
    .pipeThrough(counted(guard.inflated));
  return {
    stream,
    // Chromium's DecompressionStream fails with a TypeError; Node's with zlib's Z_* codes.
    isDamage: (error) => {
      const { name: kind, code } = (error ?? {}) as { name?: unknown; code?: unknown };
      return kind === 'TypeError' || (typeof code === 'string' && code.startsWith('Z_'));
    },
    close: () => undefined,
  };
}

/** zlib in WebAssembly when it can start, else the browser's DecompressionStream. */
async function inflate(name: string, reader: ByteReader): Promise<Inflated> {
  const inflater = await GzipInflater.create().catch(() => null);
  return inflater ? wasmInflated(name, reader, inflater) : nativeInflated(name, reader);
}

async function* gzipPieces(
  name: string,
  reader: ByteReader,
  kind: DatasetKind | undefined,
  options: DecodeOptions,
): AsyncGenerator<DecodedImages> {
  const inflated = await inflate(name, reader);
  const inner = new ByteReader(
    inflated.stream,
    inflated.recycle ? { recycle: inflated.recycle } : {},
  );
  const innerName = name.replace(/\.tgz$/i, '.tar').replace(/\.gz$/i, '');
  try {
    const head = await inner.peek(HEAD_BYTES);
    if (looksLikeTar(head)) {
      yield* tarPieces(name, inner, kind, options);
    } else if (/\.tar$/i.test(innerName)) {
      throw new DatasetInputError(
        `${name} decompresses, but what is inside is not a tar archive; download the archive again.`,
      );
    } else {
      yield* pieces(innerName, inner, kind, { ...options, totalBytes: null, blob: undefined });
    }
  } catch (error) {
    if (!reader.sourceFailed && inflated.isDamage(error)) {
      throw new DatasetInputError(
        `${name} starts like gzip but its compressed data is damaged (${(error as Error).message}); download it again.`,
      );
    }
    throw error;
  } finally {
    await inner.cancel();
    inflated.close();
  }
}

async function* pieces(
  name: string,
  reader: ByteReader,
  kind: DatasetKind | undefined,
  options: DecodeOptions,
): AsyncGenerator<DecodedImages> {
  const head = await reader.peek(HEAD_BYTES);
  if (head.byteLength === 0) {
    throw new DatasetInputError(`${name} is empty (0 bytes): choose a dataset file.`);
  }
  if (looksLikeHtml(head)) throw htmlError(options.label ?? name, options.from);
  if (isGzip(head)) return yield* gzipPieces(name, reader, kind, options);
  if (/\.(t?gz)$/i.test(name)) {
    // A server may send a .gz with `Content-Encoding: gzip` (Vite's preview server does): fetch
    // then hands over the bytes already decompressed.
    if (options.from === 'url') {
      const plain = name.replace(/\.tgz$/i, '.tar').replace(/\.gz$/i, '');
      return yield* pieces(plain, reader, kind, { ...options, totalBytes: null, blob: undefined });
    }
    throw new DatasetInputError(
      `${name} is not a gzip file (it does not start with the gzip signature 1f 8b); download it again, or if it is a .bin file, import it under its real name.`,
    );
  }
  if (looksLikeTar(head)) return yield* tarPieces(name, reader, kind, options);
  const totalBytes = options.totalBytes ?? null;
  if (looksLikeMat(head) || /\.mat$/i.test(name)) {
    if (kind && kind !== 'svhn') {
      throw new DatasetInputError(
        `${name} is a MATLAB file, not ${kind === 'cifar100' ? 'CIFAR-100' : 'CIFAR-10'} binary; import it as SVHN.`,
      );
    }
    const blob = await inputBlob(reader, options);
    return yield* svhnMatSlices(name, blob, RECORDS_PER_PIECE, options.checkCancelled);
  }
  const parquetMagic =
    head.byteLength >= 4 && String.fromCharCode(...head.subarray(0, 4)) === 'PAR1';
  if (parquetMagic || /\.parquet$/i.test(name)) {
    const blob = await inputBlob(reader, options);
    return yield* parquetImagePieces(name, blobAsyncBuffer(blob), {
      ...options,
      ...(kind ? { kind } : {}),
    });
  }
  const chosen = kind ?? binaryKindFromName(name);
  if (chosen === 'svhn') {
    throw new DatasetInputError(
      `${name} is not a MATLAB .mat file; SVHN cropped digits come as train_32x32.mat and test_32x32.mat.`,
    );
  }
  yield* cifarBinaryPieces(
    name,
    reader,
    chosen,
    totalBytes,
    RECORDS_PER_PIECE,
    options.transientPieces,
  );
}

/**
 * Reads one input stream into images, in pieces of at most about one shard. `kind` is what
 * the person chose (undefined: detect). The stream is cancelled when reading stops early.
 */
export async function* decodeStream(
  name: string,
  stream: ReadableStream<Uint8Array>,
  kind: DatasetKind | undefined,
  options: DecodeOptions = {},
): AsyncGenerator<DecodedImages> {
  const reader = new ByteReader(stream, options.watch ? { watch: options.watch } : {});
  try {
    yield* pieces(name, reader, kind, options);
  } finally {
    await reader.cancel();
  }
}

/**
 * Reads one whole input file into images: one DecodedImages per file or archive member (the
 * pieces of each joined). For tests and callers that hold the bytes anyway.
 */
export async function decodeInput(
  name: string,
  buffer: ArrayBuffer,
  kind: DatasetKind | undefined,
  options: DecodeOptions = {},
): Promise<DecodedImages[]> {
  const bytes = new Uint8Array(buffer);
  const out: DecodedImages[][] = [];
  for await (const piece of decodeStream(name, bytesStream(bytes), kind, {
    totalBytes: bytes.byteLength,
    ...options,
  })) {
    const last = out[out.length - 1];
    if (last && last[0]!.origin === piece.origin) last.push(piece);
    else out.push([piece]);
  }
  return out.map(joinPieces);
}
