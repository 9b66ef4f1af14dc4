import { IMAGE_BYTES, type DatasetKind, type Split } from '../../storage/datasetStore';

/** What every reader returns for one file (or one archive member): images in NHWC order. */
export interface DecodedImages {
  kind: DatasetKind;
  split: Split;
  /** The file or member it came from, for messages and the manifest's source. */
  origin: string;
  count: number;
  /** count x 32 x 32 x 3 bytes, NHWC, RGB. */
  pixels: Uint8Array;
  labels: Uint8Array;
  coarseLabels?: Uint8Array;
  /**
   * The arrays are the reader's own and are overwritten by its next piece (an import copies
   * each piece into a shard before asking for the next): keep a copy, never the arrays.
   */
  transient?: true;
}

/** A user-facing input error: the message says what was wrong and what to do. */
export class DatasetInputError extends Error {
  override name = 'DatasetInputError';
}

/**
 * Copies one image from planar CHW (1024 R, 1024 G, 1024 B: the CIFAR binary layout) into
 * interleaved HWC at `out[outOffset]`.
 */
export function planarToInterleaved(
  src: Uint8Array,
  srcOffset: number,
  out: Uint8Array,
  outOffset: number,
): void {
  const plane = IMAGE_BYTES / 3;
  const g = srcOffset + plane;
  const b = g + plane;
  for (let p = 0, o = outOffset; p < plane; p++, o += 3) {
    out[o] = src[srcOffset + p]!;
    out[o + 1] = src[g + p]!;
    out[o + 2] = src[b + p]!;
  }
}

/** Typed arrays use the platform's byte order; every browser platform is little-endian, but
 * the word-wise paths below check rather than assume. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Converts `count` planar records (3 x 1024 bytes each, `stride` bytes apart from `srcOffset`,
 * as in the CIFAR binary files) into interleaved NHWC images in `out`. Works on 32-bit words:
 * 4 pixels of each plane in, 3 words out, about twice as fast as byte by byte. Each record is
 * first copied into an aligned scratch buffer (the records are 3073 or 3074 bytes apart, so
 * their planes are not 4-byte aligned in the file).
 */
export function planarRecordsToInterleaved(
  src: Uint8Array,
  srcOffset: number,
  stride: number,
  count: number,
  out: Uint8Array,
): void {
  if (!LITTLE_ENDIAN || out.byteOffset % 4 !== 0) {
    for (let i = 0; i < count; i++) {
      planarToInterleaved(src, srcOffset + i * stride, out, i * IMAGE_BYTES);
    }
    return;
  }
  const words = IMAGE_BYTES / 12; // 256 groups of 4 pixels
  const scratch = new Uint8Array(IMAGE_BYTES);
  const planes = new Uint32Array(scratch.buffer);
  const dst = new Uint32Array(out.buffer, out.byteOffset, (count * IMAGE_BYTES) / 4);
  for (let i = 0, o = 0; i < count; i++) {
    const at = srcOffset + i * stride;
    scratch.set(src.subarray(at, at + IMAGE_BYTES));
    for (let q = 0; q < words; q++, o += 3) {
      const r = planes[q]!;
      const g = planes[words + q]!;
      const b = planes[2 * words + q]!;
      // Little-endian: byte k of a word is pixel k of the plane. Out: r0 g0 b0 r1 | g1 b1 r2 g2 |
      // b2 r3 g3 b3.
      dst[o] = (r & 0xff) | ((g & 0xff) << 8) | ((b & 0xff) << 16) | ((r & 0xff00) << 16);
      dst[o + 1] =
        ((g >>> 8) & 0xff) |
        (b & 0xff00) |
        (((r >>> 16) & 0xff) << 16) |
        (((g >>> 16) & 0xff) << 24);
      dst[o + 2] =
        ((b >>> 16) & 0xff) | ((r >>> 24) << 8) | ((g >>> 24) << 16) | ((b >>> 24) << 24);
    }
  }
}

/** The split a file belongs to, from its name: "test" anywhere means test, else train. */
export function splitFromName(name: string): Split {
  const base = name.split('/').pop() ?? name;
  return /test/i.test(base) ? 'test' : 'train';
}

/** Pieces of one file (in order) as one DecodedImages (tests and small files). */
export function joinPieces(pieces: readonly DecodedImages[]): DecodedImages {
  const first = pieces[0];
  if (!first) throw new DatasetInputError('No images were read.');
  if (pieces.length === 1) return first;
  const count = pieces.reduce((s, p) => s + p.count, 0);
  const pixels = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  const coarseLabels = first.coarseLabels ? new Uint8Array(count) : undefined;
  let at = 0;
  for (const p of pieces) {
    pixels.set(p.pixels.subarray(0, p.count * IMAGE_BYTES), at * IMAGE_BYTES);
    labels.set(p.labels.subarray(0, p.count), at);
    if (coarseLabels && p.coarseLabels) coarseLabels.set(p.coarseLabels.subarray(0, p.count), at);
    at += p.count;
  }
  const joined: DecodedImages = { ...first, count, pixels, labels };
  if (coarseLabels) joined.coarseLabels = coarseLabels;
  else delete joined.coarseLabels;
  return joined;
}
