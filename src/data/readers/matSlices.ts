/**
 * SVHN MAT-files (level 5) read from a Blob in slices, never whole (issue #15): the elements'
 * headers are read where they lie, y (one number per image) is read first, then X's images
 * leave in pieces. X is uint8 [32, 32, 3, N] in column-major order, so each image's 3072 bytes
 * are contiguous: a piece is one slice of the file, or, inside a miCOMPRESSED element, the next
 * bytes of a streaming inflate. A File's slices are read from disk and a Blob's from the
 * browser's blob store, so the tab holds about one piece whatever the file's size.
 */
import { Unzlib } from 'fflate';
import { IMAGE_BYTES } from '../../storage/datasetStore';
import { ByteReader, blobStream } from './byteReader';
import { DatasetInputError, splitFromName, type DecodedImages } from './decodedImages';
import {
  checkMatHeader,
  HEADER_BYTES,
  MAX_INFLATE_RATIO,
  MI_COMPRESSED,
  MI_MATRIX,
  MI_UINT8,
  missingSvhnVariables,
  NUMERIC_BYTES,
  numeric,
  svhnImageCount,
  svhnLabels,
  svhnPixels,
} from './matFile';

/** A variable found in the file: its header, and how to read its values (the real part). */
interface LocatedVariable {
  name: string;
  matlabClass: number;
  dims: number[];
  /** The real part's MAT type (miUINT8, miDOUBLE, ...) and its size in bytes. */
  realType: number;
  realBytes: number;
  /** Inside a miCOMPRESSED element (a short read means damaged data, not a cut file). */
  compressed: boolean;
  /** A reader at the real part's first byte. */
  open(): Promise<ByteReader>;
}

/** A header sub-element (flags, dimensions, name) over this is a damaged file, not a header. */
const MAX_HEADER_ELEMENT_BYTES = 4096;

async function sliceBytes(blob: Blob, start: number, end: number): Promise<Uint8Array> {
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

function u32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
}

function cutShort(fileName: string): DatasetInputError {
  return new DatasetInputError(`${fileName} is cut short inside a MAT element; download it again.`);
}

function damagedCompressed(fileName: string): DatasetInputError {
  return new DatasetInputError(
    `${fileName} holds a damaged compressed variable; download it again.`,
  );
}

/** Compressed bytes handed to the inflater at a time: what one pull can inflate is bounded. */
const INFLATE_STEP = 64 << 10;

/**
 * zlib-wrapped deflate (what miCOMPRESSED holds), inflated as it is read: each pull inflates
 * the next INFLATE_STEP compressed bytes, and the file's slices are read only when needed, so
 * reading stops where the reader stops (DecompressionStream in Node reads ahead).
 */
function inflated(blob: Blob, start: number, size: number): ByteReader {
  const source = blobStream(blob, start, start + size).getReader();
  const out: Uint8Array[] = [];
  let ended = false;
  let pending: Uint8Array = new Uint8Array(0);
  const inflater = new Unzlib((chunk, final) => {
    if (chunk.byteLength > 0) out.push(chunk);
    if (final) ended = true;
  });
  const stream = new ReadableStream<Uint8Array>(
    {
      pull: async (controller) => {
        while (out.length === 0 && !ended) {
          if (pending.byteLength === 0) {
            const next = await source.read();
            if (next.done) {
              inflater.push(new Uint8Array(0), true); // throws on a truncated stream
              ended = true;
              break;
            }
            pending = next.value;
          }
          const part = pending.subarray(0, INFLATE_STEP);
          pending = pending.subarray(part.byteLength);
          inflater.push(part, false);
        }
        const chunk = out.shift();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
      cancel: (reason) => source.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  return new ByteReader(stream);
}

/** Reads exactly `n` bytes or says the file is cut short; inflate errors become messages. */
async function readExactly(
  fileName: string,
  reader: ByteReader,
  n: number,
  compressed: boolean,
): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await reader.read(n);
  } catch (error) {
    if (error instanceof DatasetInputError || !compressed) throw error;
    throw damagedCompressed(fileName);
  }
  if (bytes.byteLength < n) throw compressed ? damagedCompressed(fileName) : cutShort(fileName);
  return bytes;
}

/** One sub-element of a matrix header: small ones (4 bytes or less) are packed in their tag. */
async function headerElement(
  fileName: string,
  reader: ByteReader,
  compressed: boolean,
): Promise<{ type: number; data: Uint8Array }> {
  const tag = await readExactly(fileName, reader, 8, compressed);
  const first = u32(tag, 0);
  if (first >>> 16 !== 0)
    return { type: first & 0xffff, data: tag.subarray(4, 4 + (first >>> 16)) };
  const size = u32(tag, 4);
  if (size > MAX_HEADER_ELEMENT_BYTES) {
    throw new DatasetInputError(
      `${fileName} is damaged: a MAT header element claims ${size} bytes; download it again.`,
    );
  }
  const padded = Math.ceil(size / 8) * 8;
  return {
    type: first,
    data: (await readExactly(fileName, reader, padded, compressed)).subarray(0, size),
  };
}

interface MatrixHeader {
  name: string;
  matlabClass: number;
  dims: number[];
  realType: number;
  realBytes: number;
  /** The real part's bytes when they were packed in its tag (4 bytes or less). */
  inline: Uint8Array | null;
  /** Bytes of the matrix read before its real part's data. */
  headerBytes: number;
}

/**
 * Flags, dimensions, name and the real part's tag of a miMATRIX whose data `reader` starts at
 * (`matrixBytes` long); null for what SVHN never holds (cells, structs, chars, empty arrays).
 */
async function matrixHeader(
  fileName: string,
  reader: ByteReader,
  matrixBytes: number,
  compressed: boolean,
): Promise<MatrixHeader | null> {
  const start = reader.consumed;
  const flags = await headerElement(fileName, reader, compressed);
  const matlabClass = flags.data.byteLength >= 4 ? u32(flags.data, 0) & 0xff : 0;
  const dimsEl = await headerElement(fileName, reader, compressed);
  const dims = Array.from(numeric(dimsEl.type, dimsEl.data, fileName));
  const nameEl = await headerElement(fileName, reader, compressed);
  const name = new TextDecoder().decode(nameEl.data);
  if (dims.length > 8 || dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new DatasetInputError(
      `${fileName} is damaged: variable ${name} has dimensions [${dims.join(', ')}].`,
    );
  }
  const count = dims.reduce((a, b) => a * b, 1);
  const isNumeric = matlabClass >= 6 && matlabClass <= 15;
  if (!isNumeric || count === 0 || reader.consumed - start >= matrixBytes) return null;
  const tag = await readExactly(fileName, reader, 8, compressed);
  const first = u32(tag, 0);
  const small = first >>> 16 !== 0;
  const realType = small ? first & 0xffff : first;
  const realBytes = small ? first >>> 16 : u32(tag, 4);
  const size = NUMERIC_BYTES[realType];
  if (size === undefined) numeric(realType, new Uint8Array(0), fileName); // throws its message
  // The header's dimensions are checked against the values present before anything is sized
  // by them (a 35 KB file claiming 3,000,000 images once made the import allocate gigabytes).
  if (realBytes % size! !== 0 || realBytes / size! !== count) {
    throw new DatasetInputError(
      `${fileName} is damaged or forged: variable ${name} declares [${dims.join(', ')}] (${count.toLocaleString('en-US')} values) but holds ${Math.floor(realBytes / size!).toLocaleString('en-US')}. Download it again.`,
    );
  }
  const headerBytes = reader.consumed - start;
  if (!small && headerBytes + realBytes > matrixBytes) throw cutShort(fileName);
  return {
    name,
    matlabClass,
    dims,
    realType,
    realBytes,
    inline: small ? tag.subarray(4, 4 + realBytes) : null,
    headerBytes,
  };
}

function located(
  header: MatrixHeader,
  compressed: boolean,
  open: () => Promise<ByteReader>,
): LocatedVariable {
  const { name, matlabClass, dims, realType, realBytes, inline } = header;
  return {
    name,
    matlabClass,
    dims,
    realType,
    realBytes,
    compressed,
    open: inline
      ? async () => new ByteReader(blobStream(new Blob([inline as Uint8Array<ArrayBuffer>])))
      : open,
  };
}

/** Every numeric variable's header, found by walking the file's top-level elements. */
async function locateVariables(fileName: string, blob: Blob): Promise<LocatedVariable[]> {
  const head = blob.size === 0 ? new Uint8Array(0) : await sliceBytes(blob, 0, HEADER_BYTES);
  checkMatHeader(fileName, blob.size, head);
  const variables: LocatedVariable[] = [];
  let offset = HEADER_BYTES;
  while (offset + 8 <= blob.size) {
    const tag = await sliceBytes(blob, offset, offset + 8);
    const first = u32(tag, 0);
    if (first >>> 16 !== 0) {
      offset += 8; // a small element at the top level: nothing SVHN holds
      continue;
    }
    const size = u32(tag, 4);
    const start = offset + 8;
    if (start + size > blob.size) {
      throw new DatasetInputError(
        `${fileName} is cut short: a MAT element needs ${size} bytes; download it again.`,
      );
    }
    if (first === MI_COMPRESSED) {
      const reader = inflated(blob, start, size);
      try {
        const inner = await readExactly(fileName, reader, 8, true);
        if (u32(inner, 0) === MI_MATRIX) {
          const header = await matrixHeader(fileName, reader, u32(inner, 4), true);
          // A deflate bomb is refused from its header, before anything is inflated.
          if (header && header.realBytes > MAX_INFLATE_RATIO * size + (1 << 20)) {
            throw new DatasetInputError(
              `${fileName} holds a compressed variable that inflates to more than ${MAX_INFLATE_RATIO} times its size: it is not an image dataset.`,
            );
          }
          if (header) {
            const skip = 8 + header.headerBytes;
            variables.push(
              located(header, true, async () => {
                const data = inflated(blob, start, size);
                if ((await data.skip(skip)) < skip) throw damagedCompressed(fileName);
                return data;
              }),
            );
          }
        }
      } finally {
        await reader.cancel();
      }
      offset = start + size;
      continue;
    }
    if (first === MI_MATRIX) {
      // The header is at most three bounded elements and a tag: read that much, not the data.
      const reader = new ByteReader(
        blobStream(blob, start, start + Math.min(size, 3 * (8 + MAX_HEADER_ELEMENT_BYTES) + 8)),
      );
      try {
        const header = await matrixHeader(fileName, reader, size, false);
        if (header) {
          const at = start + header.headerBytes;
          variables.push(
            located(
              header,
              false,
              async () => new ByteReader(blobStream(blob, at, at + header.realBytes)),
            ),
          );
        }
      } finally {
        await reader.cancel();
      }
    }
    offset = start + Math.ceil(size / 8) * 8;
  }
  return variables;
}

/**
 * SVHN's images from a MAT-file held as a Blob (a File, or a download kept in the browser's
 * blob store), in pieces of `perPiece` images; the whole file is never in the tab's memory.
 */
export async function* svhnMatSlices(
  fileName: string,
  blob: Blob,
  perPiece: number,
  checkCancelled?: () => void,
): AsyncGenerator<DecodedImages> {
  const variables = await locateVariables(fileName, blob);
  const x = variables.find((v) => v.name === 'X');
  const y = variables.find((v) => v.name === 'y');
  if (!x || !y) throw missingSvhnVariables(fileName, variables, !!x, !!y);
  const n = svhnImageCount(fileName, x.dims, x.matlabClass, x.realType === MI_UINT8);
  const yReader = await y.open();
  let labels: Uint8Array;
  try {
    const yBytes = await readExactly(fileName, yReader, y.realBytes, y.compressed);
    labels = svhnLabels(fileName, numeric(y.realType, yBytes, fileName), n);
  } finally {
    await yReader.cancel();
  }
  const split = splitFromName(fileName);
  const xReader = await x.open();
  try {
    for (let from = 0; from < n; from += perPiece) {
      checkCancelled?.();
      const count = Math.min(perPiece, n - from);
      const bytes = await readExactly(fileName, xReader, count * IMAGE_BYTES, x.compressed);
      yield {
        kind: 'svhn',
        split,
        origin: fileName,
        count,
        pixels: svhnPixels(bytes, 0, count),
        labels: labels.slice(from, from + count),
      };
    }
  } finally {
    await xReader.cancel();
  }
}
