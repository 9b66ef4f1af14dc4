/**
 * MATLAB level-5 MAT-files, enough for SVHN's cropped digits (train_32x32.mat, test_32x32.mat):
 * X is uint8 [32, 32, 3, N] and y is [N, 1] with label 10 meaning digit 0. Variables may be
 * stored whole or inside miCOMPRESSED (zlib) elements. Little-endian files only (what MATLAB
 * on x86 writes). The format's types and SVHN's checks; ./matSlices.ts reads the file.
 */
import { IMAGE_BYTES } from '../../storage/datasetStore';
import { DatasetInputError } from './decodedImages';

const MI_INT8 = 1;
export const MI_UINT8 = 2;
const MI_INT16 = 3;
const MI_UINT16 = 4;
const MI_INT32 = 5;
const MI_UINT32 = 6;
const MI_SINGLE = 7;
const MI_DOUBLE = 9;
export const MI_MATRIX = 14;
export const MI_COMPRESSED = 15;

export const HEADER_BYTES = 128;

/** True when the bytes start like a level-5 MAT-file. */
export function looksLikeMat(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= HEADER_BYTES &&
    new TextDecoder().decode(bytes.subarray(0, 10)) === 'MATLAB 5.0'
  );
}

export const NUMERIC_BYTES: Record<number, number> = {
  [MI_INT8]: 1,
  [MI_UINT8]: 1,
  [MI_INT16]: 2,
  [MI_UINT16]: 2,
  [MI_INT32]: 4,
  [MI_UINT32]: 4,
  [MI_SINGLE]: 4,
  [MI_DOUBLE]: 8,
};

export function numeric(type: number, bytes: Uint8Array, fileName = 'The file'): ArrayLike<number> {
  const { buffer, byteOffset, byteLength } = bytes;
  const size = NUMERIC_BYTES[type];
  if (size !== undefined && byteLength % size !== 0) {
    throw new DatasetInputError(
      `${fileName} is damaged: a MAT element of ${size}-byte numbers holds ${byteLength} bytes; download it again.`,
    );
  }
  const aligned = (size: number): ArrayBuffer =>
    byteOffset % size === 0 ? (buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
  const off = (size: number): number => (byteOffset % size === 0 ? byteOffset : 0);
  switch (type) {
    case MI_INT8:
      return new Int8Array(buffer, byteOffset, byteLength);
    case MI_UINT8:
      return bytes;
    case MI_INT16:
      return new Int16Array(aligned(2), off(2), byteLength / 2);
    case MI_UINT16:
      return new Uint16Array(aligned(2), off(2), byteLength / 2);
    case MI_INT32:
      return new Int32Array(aligned(4), off(4), byteLength / 4);
    case MI_UINT32:
      return new Uint32Array(aligned(4), off(4), byteLength / 4);
    case MI_SINGLE:
      return new Float32Array(aligned(4), off(4), byteLength / 4);
    case MI_DOUBLE:
      return new Float64Array(aligned(8), off(8), byteLength / 8);
    default:
      throw new DatasetInputError(
        `${fileName}: unsupported MAT numeric type ${type}; SVHN's X is uint8 and y double.`,
      );
  }
}

/**
 * A miCOMPRESSED element may not inflate to more than MAX_INFLATE_RATIO times its compressed
 * size (images compress about 1.5 times; a deflate bomb thousands of times).
 */
export const MAX_INFLATE_RATIO = 64;

/**
 * Refuses, with a message, a file that is not a little-endian level-5 MAT-file: `head` is at
 * least its first 128 bytes (or the whole file when shorter), `size` the file's size.
 */
export function checkMatHeader(fileName: string, size: number, head: Uint8Array): void {
  if (size === 0) {
    throw new DatasetInputError(`${fileName} is empty (0 bytes): choose an SVHN .mat file.`);
  }
  if (!looksLikeMat(head)) {
    throw new DatasetInputError(
      `${fileName} is not a MATLAB 5.0 MAT-file (SVHN's train_32x32.mat / test_32x32.mat).`,
    );
  }
  if (String.fromCharCode(head[126]!, head[127]!) !== 'IM') {
    throw new DatasetInputError(
      `${fileName} is a big-endian MAT-file; only little-endian files are read.`,
    );
  }
}

/** The message for a MAT-file without SVHN's X and y. */
export function missingSvhnVariables(
  fileName: string,
  variables: { name: string }[],
  hasX: boolean,
  hasY: boolean,
): DatasetInputError {
  const found = variables.map((v) => v.name).join(', ') || 'none';
  return new DatasetInputError(
    `${fileName} has no ${!hasX && !hasY ? 'variables X and y' : !hasX ? 'variable X' : 'variable y'} (found: ${found}); SVHN cropped digits (train_32x32.mat) has X [32,32,3,N] and y [N,1].`,
  );
}

/** How many images X [32, 32, 3, N] of uint8 holds; refuses any other shape or class. */
export function svhnImageCount(
  fileName: string,
  dims: number[],
  matlabClass: number,
  isUint8: boolean,
): number {
  const [h, w, c, n = 1] = dims;
  if (h !== 32 || w !== 32 || c !== 3 || dims.length > 4 || !isUint8) {
    throw new DatasetInputError(
      `${fileName}: X is [${dims.join(', ')}] of MATLAB class ${matlabClass}; SVHN cropped digits need uint8 [32, 32, 3, N].`,
    );
  }
  if (n === 0) {
    throw new DatasetInputError(
      `${fileName} holds no images (X is [${dims.join(', ')}]); choose an SVHN .mat file with images.`,
    );
  }
  return n;
}

/** y's values as digit labels (10 means digit 0), checked: one per image, each 1-10. */
export function svhnLabels(fileName: string, y: ArrayLike<number>, n: number): Uint8Array {
  if (y.length !== n) {
    throw new DatasetInputError(`${fileName}: X holds ${n} images but y holds ${y.length} labels.`);
  }
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = y[i]!;
    if (!Number.isInteger(label) || label < 1 || label > 10) {
      throw new DatasetInputError(
        `${fileName}: image ${i} has label ${label}, but SVHN labels are 1-10 (10 means digit 0).`,
      );
    }
    labels[i] = label === 10 ? 0 : label;
  }
  return labels;
}

/** Column-major X(row, col, channel, image) of images [from, to) -> NHWC. */
export function svhnPixels(x: Uint8Array, from: number, to: number): Uint8Array {
  const pixels = new Uint8Array((to - from) * IMAGE_BYTES);
  for (let img = from; img < to; img++) {
    const base = img * IMAGE_BYTES;
    const out = (img - from) * IMAGE_BYTES;
    for (let ch = 0; ch < 3; ch++) {
      for (let col = 0; col < 32; col++) {
        const at = base + ch * 1024 + col * 32;
        for (let row = 0; row < 32; row++) pixels[out + (row * 32 + col) * 3 + ch] = x[at + row]!;
      }
    }
  }
  return pixels;
}
