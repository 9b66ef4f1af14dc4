/**
 * Hugging Face Parquet exports of CIFAR-10 (uoft-cs/cifar10: img, label), CIFAR-100
 * (uoft-cs/cifar100: img, fine_label, coarse_label) and SVHN (ufldl-stanford/svhn,
 * cropped_digits: image, label). Each image is a PNG, stored as a struct {bytes, path} or as
 * plain bytes; hyparquet reads the file and fast-png decodes each image.
 *
 * The file is read through an AsyncBuffer (`blobAsyncBuffer`: slices of a File or Blob), so
 * only the footer and the row groups being decoded are in the tab's memory, never the whole
 * file (issue #15).
 */
import { convertIndexedToRgb, decode as decodePng } from 'fast-png';
import {
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type AsyncBuffer,
} from 'hyparquet';
import { IMAGE_BYTES, type DatasetKind, type Split } from '../../storage/datasetStore';
import { DatasetInputError, joinPieces, splitFromName, type DecodedImages } from './decodedImages';

/** The first and last 4 bytes as a 12-byte stand-in for `looksLikeParquet`. */
function padMagic(ends: Uint8Array): Uint8Array {
  const out = new Uint8Array(12);
  out.set(ends.subarray(0, 4), 0);
  out.set(ends.subarray(4, 8), 8);
  return out;
}

/** Magic bytes at both ends of a Parquet file. */
export function looksLikeParquet(bytes: Uint8Array): boolean {
  const n = bytes.byteLength;
  const magic = (at: number): boolean =>
    bytes[at] === 0x50 &&
    bytes[at + 1] === 0x41 &&
    bytes[at + 2] === 0x52 &&
    bytes[at + 3] === 0x31;
  return n >= 12 && magic(0) && magic(n - 4);
}

interface Columns {
  image: string;
  label: string;
  coarse?: string;
  kind: DatasetKind;
}

function findColumns(fileName: string, names: string[], hint: DatasetKind | undefined): Columns {
  const image = names.find((n) => n === 'img' || n === 'image');
  const label = names.find((n) => n === 'fine_label' || n === 'label');
  if (!image || !label) {
    throw new DatasetInputError(
      `${fileName} has columns ${names.join(', ') || '(none)'}; a Hugging Face image dataset needs an "img" or "image" column of PNG bytes and a "label" (or "fine_label") column. Choose a CIFAR-10, CIFAR-100 or SVHN Parquet file.`,
    );
  }
  const coarse = names.includes('coarse_label') ? 'coarse_label' : undefined;
  const detected: DatasetKind =
    label === 'fine_label' ? 'cifar100' : image === 'image' ? 'svhn' : 'cifar10';
  const kind = hint ?? detected;
  if (kind === 'cifar100' && label !== 'fine_label') {
    throw new DatasetInputError(`${fileName} has no fine_label column, so it is not CIFAR-100.`);
  }
  return coarse ? { image, label, coarse, kind } : { image, label, kind };
}

function pngBytes(value: unknown): Uint8Array | null {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'object' && value !== null && 'bytes' in value) {
    const bytes = (value as { bytes: unknown }).bytes;
    if (bytes instanceof Uint8Array) return bytes;
  }
  return null;
}

/** Decodes one 32 x 32 PNG into `out` as RGB. */
function decodeImage(
  fileName: string,
  row: number,
  bytes: Uint8Array,
  out: Uint8Array,
  at: number,
): void {
  let png;
  try {
    png = decodePng(bytes);
  } catch (error) {
    throw new DatasetInputError(
      `${fileName}: row ${row} is not a readable PNG (${(error as Error).message}).`,
    );
  }
  if (png.width !== 32 || png.height !== 32 || png.depth !== 8) {
    throw new DatasetInputError(
      `${fileName}: row ${row} is a ${png.width}x${png.height} ${png.depth}-bit image; this playground takes 32x32 8-bit images.`,
    );
  }
  const data = png.palette ? convertIndexedToRgb(png) : png.data;
  const channels = png.palette ? data.length / 1024 : png.channels;
  for (let p = 0; p < 1024; p++) {
    const o = at + p * 3;
    if (channels >= 3) {
      out[o] = data[p * channels]!;
      out[o + 1] = data[p * channels + 1]!;
      out[o + 2] = data[p * channels + 2]!;
    } else {
      const v = data[p * channels]!;
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
    }
  }
}

export interface ParquetReadOptions {
  kind?: DatasetKind;
  split?: Split;
  /** Called after each chunk of rows with the images decoded so far. */
  onProgress?: (done: number, total: number) => void;
  /** Checked between chunks; throws to stop. */
  checkCancelled?: () => void;
}

const ROWS_PER_CHUNK = 2000;

/** The smallest PNG of a 32 x 32 image is over 60 bytes: a row count is capped by the file. */
const MIN_BYTES_PER_ROW = 60;

/** A File or Blob as hyparquet's AsyncBuffer: each slice read when asked, nothing cached. */
export function blobAsyncBuffer(blob: Blob): AsyncBuffer {
  return { byteLength: blob.size, slice: (start, end) => blob.slice(start, end).arrayBuffer() };
}

/** An in-memory file as an AsyncBuffer (tests, small inputs). */
export function bytesAsyncBuffer(buffer: ArrayBuffer): AsyncBuffer {
  return { byteLength: buffer.byteLength, slice: (start, end) => buffer.slice(start, end) };
}

/**
 * Reads the images in pieces of ROWS_PER_CHUNK rows, each its own DecodedImages, so that an
 * import holds one piece's pixels (and the row groups they come from) at a time.
 */
export async function* parquetImagePieces(
  fileName: string,
  file: AsyncBuffer | ArrayBuffer,
  options: ParquetReadOptions = {},
): AsyncGenerator<DecodedImages> {
  const source = file instanceof ArrayBuffer ? bytesAsyncBuffer(file) : file;
  const size = source.byteLength;
  if (size === 0) {
    throw new DatasetInputError(`${fileName} is empty (0 bytes): choose a Parquet file.`);
  }
  const ends =
    size >= 12
      ? new Uint8Array([
          ...new Uint8Array(await source.slice(0, 4)),
          ...new Uint8Array(await source.slice(size - 4, size)),
        ])
      : new Uint8Array(0);
  if (!looksLikeParquet(ends.byteLength === 8 ? padMagic(ends) : ends)) {
    throw new DatasetInputError(`${fileName} is not a Parquet file (no PAR1 magic bytes).`);
  }
  let metadata;
  try {
    metadata = await parquetMetadataAsync(source);
  } catch (error) {
    throw new DatasetInputError(
      `${fileName} is a damaged Parquet file (${(error as Error).message}).`,
    );
  }
  const names = parquetSchema(metadata).children.map((c) => c.element.name);
  const columns = findColumns(fileName, names, options.kind);
  const classes = columns.kind === 'cifar100' ? 100 : 10;
  const count = Number(metadata.num_rows);
  if (count === 0) {
    throw new DatasetInputError(
      `${fileName} holds no rows (0 images); choose a Parquet file with images.`,
    );
  }
  if (!Number.isSafeInteger(count) || count < 0 || count * MIN_BYTES_PER_ROW > size) {
    throw new DatasetInputError(
      `${fileName} is damaged or forged: its footer claims ${String(metadata.num_rows)} rows, more than its ${size} bytes can hold.`,
    );
  }
  const wanted = [
    columns.image,
    columns.label,
    ...(columns.kind === 'cifar100' && columns.coarse ? [columns.coarse] : []),
  ];
  const split = options.split ?? splitFromName(fileName);
  for (let start = 0; start < count; start += ROWS_PER_CHUNK) {
    options.checkCancelled?.();
    const end = Math.min(count, start + ROWS_PER_CHUNK);
    const rows = await parquetReadObjects({
      file: source,
      metadata,
      columns: wanted,
      rowStart: start,
      rowEnd: end,
      utf8: false,
    });
    if (rows.length !== end - start) {
      throw new DatasetInputError(
        `${fileName} is damaged: rows ${start}-${end - 1} could not all be read.`,
      );
    }
    const pixels = new Uint8Array(rows.length * IMAGE_BYTES);
    const labels = new Uint8Array(rows.length);
    const coarseLabels =
      columns.kind === 'cifar100' && columns.coarse ? new Uint8Array(rows.length) : undefined;
    rows.forEach((row, k) => {
      const i = start + k;
      const png = pngBytes(row[columns.image]);
      if (!png) {
        throw new DatasetInputError(
          `${fileName}: row ${i} has no PNG bytes in column "${columns.image}".`,
        );
      }
      decodeImage(fileName, i, png, pixels, k * IMAGE_BYTES);
      const label = Number(row[columns.label]);
      if (!Number.isInteger(label) || label < 0 || label >= classes) {
        throw new DatasetInputError(
          `${fileName}: row ${i} has label ${String(row[columns.label])}, but ${columns.kind === 'cifar100' ? 'CIFAR-100 labels are 0-99' : 'labels are 0-9'}.`,
        );
      }
      labels[k] = label;
      if (coarseLabels && columns.coarse) {
        const coarse = Number(row[columns.coarse]);
        if (!Number.isInteger(coarse) || coarse < 0 || coarse > 19) {
          throw new DatasetInputError(
            `${fileName}: row ${i} has coarse label ${coarse}, but CIFAR-100 coarse labels are 0-19.`,
          );
        }
        coarseLabels[k] = coarse;
      }
    });
    options.onProgress?.(end, count);
    const piece: DecodedImages = {
      kind: columns.kind,
      split,
      origin: fileName,
      count: rows.length,
      pixels,
      labels,
    };
    if (coarseLabels) piece.coarseLabels = coarseLabels;
    yield piece;
  }
}

/** All the images of a Parquet file at once (tests, small files). */
export async function readParquetImages(
  fileName: string,
  buffer: ArrayBuffer,
  options: ParquetReadOptions = {},
): Promise<DecodedImages> {
  const pieces: DecodedImages[] = [];
  for await (const piece of parquetImagePieces(fileName, buffer, options)) pieces.push(piece);
  return joinPieces(pieces);
}
