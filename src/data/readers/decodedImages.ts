import { IMAGE_BYTES, type DatasetKind, type Split } from '../datasetStore';

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

/** The split a file belongs to, from its name: "test" anywhere means test, else train. */
export function splitFromName(name: string): Split {
  const base = name.split('/').pop() ?? name;
  return /test/i.test(base) ? 'test' : 'train';
}
