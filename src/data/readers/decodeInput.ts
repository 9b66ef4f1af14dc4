/**
 * Decides what a file is from its bytes and name, and hands it to the right reader:
 * gzip (then tar or a single file), tar (CIFAR members), MAT (SVHN), Parquet (Hugging Face),
 * or raw CIFAR binary. Every unrecognized input ends in a DatasetInputError a person can act on.
 */
import { gunzipSync } from 'fflate';
import type { DatasetKind } from '../../storage/datasetStore';
import { readCifar100Binary, readCifar10Binary } from './cifarBinary';
import { DatasetInputError, type DecodedImages } from './decodedImages';
import { looksLikeMat, readSvhnMat } from './matFile';
import { looksLikeParquet, readParquetImages, type ParquetReadOptions } from './parquetImages';
import { looksLikeTar, readTar } from './tar';

const CIFAR10_MEMBER = /(^|\/)(data_batch_\d+|test_batch)\.bin$/;
const CIFAR100_MEMBER = /(^|\/)(train|test)\.bin$/;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
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

function decodeBinary(
  name: string,
  bytes: Uint8Array,
  kind: DatasetKind | undefined,
): DecodedImages {
  const chosen = kind ?? binaryKindFromName(name);
  if (chosen === 'svhn') {
    throw new DatasetInputError(
      `${name} is not a MATLAB .mat file; SVHN cropped digits come as train_32x32.mat and test_32x32.mat.`,
    );
  }
  return chosen === 'cifar100' ? readCifar100Binary(name, bytes) : readCifar10Binary(name, bytes);
}

function decodeTar(
  name: string,
  bytes: Uint8Array,
  kind: DatasetKind | undefined,
): DecodedImages[] {
  const members = readTar(name, bytes);
  const cifar10 = members.filter((m) => CIFAR10_MEMBER.test(m.name));
  const cifar100 = members.filter((m) => CIFAR100_MEMBER.test(m.name));
  const useCifar100 = kind === 'cifar100' || (kind === undefined && cifar10.length === 0);
  const chosen = useCifar100 ? cifar100 : cifar10;
  if (chosen.length === 0) {
    const found =
      members
        .slice(0, 8)
        .map((m) => m.name)
        .join(', ') || 'no files';
    throw new DatasetInputError(
      `${name} holds no ${useCifar100 ? 'CIFAR-100 members (train.bin, test.bin)' : 'CIFAR-10 members (data_batch_1.bin … test_batch.bin)'}; it holds ${found}${members.length > 8 ? ', …' : ''}. Choose cifar-10-binary.tar.gz or cifar-100-binary.tar.gz.`,
    );
  }
  chosen.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  return chosen.map((m) =>
    useCifar100 ? readCifar100Binary(m.name, m.bytes) : readCifar10Binary(m.name, m.bytes),
  );
}

/**
 * Reads one input file into images. `kind` is what the person chose (undefined: detect).
 */
export async function decodeInput(
  name: string,
  buffer: ArrayBuffer,
  kind: DatasetKind | undefined,
  parquet: ParquetReadOptions = {},
): Promise<DecodedImages[]> {
  const bytes = new Uint8Array(buffer);
  if (bytes.byteLength === 0) {
    throw new DatasetInputError(`${name} is empty (0 bytes): choose a dataset file.`);
  }
  const gzName = /\.(t?gz)$/i.exec(name);
  if (isGzip(bytes)) {
    let inner: Uint8Array;
    try {
      inner = gunzipSync(bytes);
    } catch (error) {
      throw new DatasetInputError(
        `${name} starts like gzip but its compressed data is damaged (${(error as Error).message}); download it again.`,
      );
    }
    const innerName = name.replace(/\.tgz$/i, '.tar').replace(/\.gz$/i, '');
    if (looksLikeTar(inner)) return decodeTar(name, inner, kind);
    if (/\.tar$/i.test(innerName)) {
      throw new DatasetInputError(
        `${name} decompresses, but what is inside is not a tar archive; download the archive again.`,
      );
    }
    const nested = inner.buffer.slice(
      inner.byteOffset,
      inner.byteOffset + inner.byteLength,
    ) as ArrayBuffer;
    return decodeInput(innerName, nested, kind, parquet);
  }
  if (gzName) {
    throw new DatasetInputError(
      `${name} is not a gzip file (it does not start with the gzip signature 1f 8b); download it again, or if it is a .bin file, import it under its real name.`,
    );
  }
  if (looksLikeTar(bytes)) return decodeTar(name, bytes, kind);
  if (looksLikeMat(bytes) || /\.mat$/i.test(name)) {
    if (kind && kind !== 'svhn') {
      throw new DatasetInputError(
        `${name} is a MATLAB file, not ${kind === 'cifar100' ? 'CIFAR-100' : 'CIFAR-10'} binary; import it as SVHN.`,
      );
    }
    return [readSvhnMat(name, bytes)];
  }
  if (looksLikeParquet(bytes) || /\.parquet$/i.test(name)) {
    return [await readParquetImages(name, buffer, kind ? { ...parquet, kind } : parquet)];
  }
  return [decodeBinary(name, bytes, kind)];
}
