/**
 * CIFAR-10 and CIFAR-100 binary versions (Krizhevsky, 2009). A file is a run of fixed-size
 * records: CIFAR-10 has 1 label byte, CIFAR-100 a coarse then a fine label byte, followed by
 * 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each plane row-major 32 x 32).
 */
import { IMAGE_BYTES, type Split } from '../../storage/datasetStore';
import {
  DatasetInputError,
  planarRecordsToInterleaved,
  splitFromName,
  type DecodedImages,
} from './decodedImages';

export const CIFAR10_RECORD_BYTES = 1 + IMAGE_BYTES; // 3073
export const CIFAR100_RECORD_BYTES = 2 + IMAGE_BYTES; // 3074

/** The number of records in `size` bytes, or the error that says why `size` is wrong. */
function checkSize(name: string, size: number, recordBytes: number, title: string): number {
  if (size === 0) {
    throw new DatasetInputError(`${name} is empty (0 bytes): choose a ${title} binary file.`);
  }
  if (size % recordBytes === 0) return size / recordBytes;
  const other = recordBytes === CIFAR10_RECORD_BYTES ? CIFAR100_RECORD_BYTES : CIFAR10_RECORD_BYTES;
  if (size % other === 0) {
    const otherTitle = other === CIFAR100_RECORD_BYTES ? 'CIFAR-100' : 'CIFAR-10';
    throw new DatasetInputError(
      `${name} holds ${size / other} records of ${other} bytes: it looks like ${otherTitle} binary, not ${title}. Import it as ${otherTitle}.`,
    );
  }
  if (size < recordBytes) {
    throw new DatasetInputError(
      `${name} is ${size} bytes, smaller than one ${title} record (${recordBytes} bytes): it is not a ${title} binary file.`,
    );
  }
  const full = Math.floor(size / recordBytes);
  throw new DatasetInputError(
    `${name} ends with a truncated record: ${full} full records of ${recordBytes} bytes and ${size - full * recordBytes} bytes left over. The file is cut short or is not ${title} binary; download it again.`,
  );
}

/** Arrays a streamed reader decodes every piece into (see DecodedImages.transient). */
export class PieceArrays {
  private pixels = new Uint8Array(0);
  private labels = new Uint8Array(0);
  private coarse = new Uint8Array(0);

  /** Views of `count` images' worth, grown when a piece is larger than any before. */
  take(count: number): { pixels: Uint8Array; labels: Uint8Array; coarse: Uint8Array } {
    if (this.labels.length < count) {
      this.pixels = new Uint8Array(count * IMAGE_BYTES);
      this.labels = new Uint8Array(count);
      this.coarse = new Uint8Array(count);
    }
    return {
      pixels: this.pixels.subarray(0, count * IMAGE_BYTES),
      labels: this.labels.subarray(0, count),
      coarse: this.coarse.subarray(0, count),
    };
  }
}

/** Reads a CIFAR-10 binary file (data_batch_N.bin or test_batch.bin). */
export function readCifar10Binary(
  name: string,
  bytes: Uint8Array,
  split: Split = splitFromName(name),
  /** The index of the first record in its file (pieces of a streamed file), for messages. */
  firstRecord = 0,
  /** Decode into these (a transient piece) instead of new arrays. */
  into?: PieceArrays,
): DecodedImages {
  const count = checkSize(name, bytes.byteLength, CIFAR10_RECORD_BYTES, 'CIFAR-10');
  const reused = into?.take(count);
  const pixels = reused?.pixels ?? new Uint8Array(count * IMAGE_BYTES);
  const labels = reused?.labels ?? new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = bytes[i * CIFAR10_RECORD_BYTES]!;
    if (label > 9) {
      throw new DatasetInputError(
        `${name}: record ${firstRecord + i} has label ${label}, but CIFAR-10 labels are 0-9. The file is not CIFAR-10 binary.`,
      );
    }
    labels[i] = label;
  }
  planarRecordsToInterleaved(bytes, 1, CIFAR10_RECORD_BYTES, count, pixels);
  const images: DecodedImages = { kind: 'cifar10', split, origin: name, count, pixels, labels };
  if (reused) images.transient = true;
  return images;
}

/** Reads a CIFAR-100 binary file (train.bin or test.bin): coarse and fine labels. */
export function readCifar100Binary(
  name: string,
  bytes: Uint8Array,
  split: Split = splitFromName(name),
  firstRecord = 0,
  into?: PieceArrays,
): DecodedImages {
  const count = checkSize(name, bytes.byteLength, CIFAR100_RECORD_BYTES, 'CIFAR-100');
  const reused = into?.take(count);
  const pixels = reused?.pixels ?? new Uint8Array(count * IMAGE_BYTES);
  const labels = reused?.labels ?? new Uint8Array(count);
  const coarseLabels = reused?.coarse ?? new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * CIFAR100_RECORD_BYTES;
    const coarse = bytes[at]!;
    const fine = bytes[at + 1]!;
    if (coarse > 19 || fine > 99) {
      throw new DatasetInputError(
        `${name}: record ${firstRecord + i} has coarse label ${coarse} and fine label ${fine}, but CIFAR-100 labels are 0-19 and 0-99. The file is not CIFAR-100 binary.`,
      );
    }
    coarseLabels[i] = coarse;
    labels[i] = fine;
  }
  planarRecordsToInterleaved(bytes, 2, CIFAR100_RECORD_BYTES, count, pixels);
  const images: DecodedImages = {
    kind: 'cifar100',
    split,
    origin: name,
    count,
    pixels,
    labels,
    coarseLabels,
  };
  if (reused) images.transient = true;
  return images;
}

/** Records per piece of a streamed file: a quarter of a shard (importer.ts SHARD_SIZE). */
export const RECORDS_PER_PIECE = 625;

/**
 * Reads a CIFAR binary file from a stream in pieces of RECORDS_PER_PIECE records (1.9 MB),
 * never holding the whole file. `totalBytes` (a file's size, a Content-Length) lets a wrong
 * size be refused before anything is read; otherwise the size is checked at the end, with the
 * same messages.
 */
export async function* cifarBinaryPieces(
  name: string,
  source: {
    read(n: number): Promise<Uint8Array>;
    readInto?(n: number, scratch: Uint8Array): Promise<Uint8Array>;
  },
  kind: 'cifar10' | 'cifar100',
  totalBytes: number | null,
  recordsPerPiece = RECORDS_PER_PIECE,
  /** Every piece decoded into the same arrays (DecodedImages.transient): no garbage per piece. */
  transient = false,
): AsyncGenerator<DecodedImages> {
  const recordBytes = kind === 'cifar100' ? CIFAR100_RECORD_BYTES : CIFAR10_RECORD_BYTES;
  const title = kind === 'cifar100' ? 'CIFAR-100' : 'CIFAR-10';
  if (totalBytes !== null) checkSize(name, totalBytes, recordBytes, title);
  const split = splitFromName(name);
  let records = 0;
  let scratch: Uint8Array | undefined;
  const into = transient ? new PieceArrays() : undefined;
  for (;;) {
    // One scratch buffer for the raw records: each piece is converted before the next read.
    const piece = source.readInto
      ? await source.readInto(
          recordBytes * recordsPerPiece,
          (scratch ??= new Uint8Array(recordBytes * recordsPerPiece)),
        )
      : await source.read(recordBytes * recordsPerPiece);
    if (piece.byteLength === 0) break;
    if (piece.byteLength % recordBytes !== 0) {
      // The last piece: the total is now known; this throws the message that fits it.
      checkSize(name, records * recordBytes + piece.byteLength, recordBytes, title);
    }
    yield kind === 'cifar100'
      ? readCifar100Binary(name, piece, split, records, into)
      : readCifar10Binary(name, piece, split, records, into);
    records += piece.byteLength / recordBytes;
    if (piece.byteLength < recordBytes * recordsPerPiece) break;
  }
  if (records === 0) checkSize(name, 0, recordBytes, title);
}

/** Writes images back in the CIFAR-10 binary layout (for fixtures, the sample and tests). */
export function writeCifar10Binary(pixels: Uint8Array, labels: ArrayLike<number>): Uint8Array {
  const count = labels.length;
  const out = new Uint8Array(count * CIFAR10_RECORD_BYTES);
  const plane = IMAGE_BYTES / 3;
  for (let i = 0; i < count; i++) {
    const at = i * CIFAR10_RECORD_BYTES;
    out[at] = labels[i]!;
    const src = i * IMAGE_BYTES;
    for (let p = 0; p < plane; p++) {
      out[at + 1 + p] = pixels[src + 3 * p]!;
      out[at + 1 + plane + p] = pixels[src + 3 * p + 1]!;
      out[at + 1 + 2 * plane + p] = pixels[src + 3 * p + 2]!;
    }
  }
  return out;
}
