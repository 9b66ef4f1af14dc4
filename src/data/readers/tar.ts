/**
 * A small reader for POSIX ustar / GNU tar archives (what the official CIFAR tarballs are):
 * 512-byte headers, each followed by the member's bytes padded to 512.
 */
import { DatasetInputError } from './decodedImages';

export interface TarMember {
  name: string;
  bytes: Uint8Array;
}

const BLOCK = 512;
const decoder = new TextDecoder();

function text(bytes: Uint8Array, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

function checksumMatches(header: Uint8Array): boolean {
  const stored = parseInt(text(header, 148, 8).trim(), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return stored === sum;
}

/** True when the bytes start with a valid tar header. */
export function looksLikeTar(bytes: Uint8Array): boolean {
  return bytes.byteLength >= BLOCK && checksumMatches(bytes.subarray(0, BLOCK));
}

/** The regular files of a tar archive, as views into `bytes` (no copy). */
export function readTar(archiveName: string, bytes: Uint8Array): TarMember[] {
  const members: TarMember[] = [];
  let offset = 0;
  let longName: string | null = null;
  while (offset + BLOCK <= bytes.byteLength) {
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    if (!checksumMatches(header)) {
      throw new DatasetInputError(
        offset === 0
          ? `${archiveName} is not a tar archive (its first header is not a tar header). Choose the official .tar.gz or the .bin files.`
          : `${archiveName} is a damaged tar archive (bad header at byte ${offset}); download it again.`,
      );
    }
    const size = parseInt(text(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    const prefix = text(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = null;
    const start = offset + BLOCK;
    if (start + size > bytes.byteLength) {
      throw new DatasetInputError(
        `${archiveName} is cut short: member ${name} needs ${size} bytes but the archive ends first. Download it again.`,
      );
    }
    const data = bytes.subarray(start, start + size);
    if (type === 'L')
      longName = text(data, 0, size); // GNU long name for the next member
    else if (type === '0' || type === '\0') members.push({ name, bytes: data });
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return members;
}
