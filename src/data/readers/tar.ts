/**
 * A small reader for POSIX ustar / GNU / PAX tar archives (what the official CIFAR tarballs
 * and Python's tarfile write): 512-byte headers, each followed by the member's bytes padded to
 * 512.
 */
import type { ByteReader } from './byteReader';
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

/** A parsed header block: what the next `size` bytes are. */
interface TarHeader {
  name: string;
  size: number;
  /** '0' (or NUL, or '7') a file, 'x' / 'g' PAX attributes, 'L' a GNU long name, ... */
  type: string;
}

/** An octal size field, or GNU's base-256 form (high bit set) for members over 8 GiB. */
function sizeField(header: Uint8Array): number {
  if (header[124]! & 0x80) {
    let size = header[124]! & 0x7f;
    for (let i = 125; i < 136; i++) size = size * 256 + header[i]!;
    return size;
  }
  const size = parseInt(text(header, 124, 12).trim() || '0', 8);
  return Number.isFinite(size) && size >= 0 ? size : NaN;
}

function parseHeader(archiveName: string, header: Uint8Array, offset: number): TarHeader {
  if (!checksumMatches(header)) {
    throw new DatasetInputError(
      offset === 0
        ? `${archiveName} is not a tar archive (its first header is not a tar header). Choose the official .tar.gz or the .bin files.`
        : `${archiveName} is a damaged tar archive (bad header at byte ${offset}); download it again.`,
    );
  }
  const size = sizeField(header);
  if (Number.isNaN(size)) {
    throw new DatasetInputError(
      `${archiveName} is a damaged tar archive (bad size at byte ${offset}); download it again.`,
    );
  }
  const prefix = text(header, 345, 155);
  const name = prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100);
  return { name, size, type: String.fromCharCode(header[156]!) };
}

/** PAX extended attributes ("<length> <key>=<value>\n" records, POSIX.1-2001). */
export function parsePax(data: Uint8Array): Record<string, string> {
  const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
  let at = 0;
  while (at < data.byteLength) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = parseInt(decoder.decode(data.subarray(at, space)), 10);
    if (!Number.isInteger(length) || length <= space - at || at + length > data.byteLength) break;
    const record = decoder.decode(data.subarray(space + 1, at + length - 1));
    const eq = record.indexOf('=');
    if (eq > 0) attributes[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return attributes;
}

/** PAX and GNU long-name headers are metadata for the next member: their size is small. */
const MAX_META_BYTES = 1 << 20;

/** What a member's own header says, overridden by a PAX header or a GNU long name before it. */
class PendingNames {
  private pax: Record<string, string> = {};
  private global: Record<string, string> = {};
  private longName: string | null = null;

  /** Takes a metadata entry; false when `header` is a member (not metadata). */
  take(header: TarHeader, data: () => Uint8Array): boolean {
    if (header.type === 'x') this.pax = parsePax(data());
    else if (header.type === 'g') this.global = { ...this.global, ...parsePax(data()) };
    else if (header.type === 'L') this.longName = text(data(), 0, header.size);
    else return false;
    return true;
  }

  /** The member's name and size, with the pending overrides applied (then forgotten). */
  resolve(header: TarHeader): TarHeader {
    const path = this.pax.path ?? this.longName ?? this.global.path ?? header.name;
    const paxSize = Number(this.pax.size ?? this.global.size);
    const size = Number.isSafeInteger(paxSize) && paxSize >= 0 ? paxSize : header.size;
    this.pax = {};
    this.longName = null;
    return { name: path, size, type: header.type };
  }
}

function isMeta(type: string): boolean {
  return type === 'x' || type === 'g' || type === 'L';
}

function isFile(type: string): boolean {
  return type === '0' || type === '\0' || type === '7';
}

function checkMetaSize(archiveName: string, header: TarHeader): void {
  if (header.size > MAX_META_BYTES) {
    throw new DatasetInputError(
      `${archiveName} is a damaged tar archive (a ${header.size}-byte name header); download it again.`,
    );
  }
}

/**
 * The regular files of a tar archive, as views into `bytes` (no copy). Reads ustar names
 * (prefix + name), GNU long names ('L') and PAX headers ('x', 'g'), which Python's tarfile
 * and GNU tar write for paths over 100 characters.
 */
export function readTar(archiveName: string, bytes: Uint8Array): TarMember[] {
  const members: TarMember[] = [];
  const names = new PendingNames();
  let offset = 0;
  while (offset + BLOCK <= bytes.byteLength) {
    const block = bytes.subarray(offset, offset + BLOCK);
    if (block.every((b) => b === 0)) break; // end-of-archive marker
    const header = parseHeader(archiveName, block, offset);
    const start = offset + BLOCK;
    if (isMeta(header.type)) checkMetaSize(archiveName, header);
    const { name, size } = isMeta(header.type) ? header : names.resolve(header);
    if (start + size > bytes.byteLength) {
      throw new DatasetInputError(
        `${archiveName} is cut short: member ${name} needs ${size} bytes but the archive ends first. Download it again.`,
      );
    }
    const data = bytes.subarray(start, start + size);
    if (!names.take(header, () => data) && isFile(header.type)) members.push({ name, bytes: data });
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return members;
}

/** The part of a stream that is one member's bytes. */
export interface MemberBody {
  /** Up to `n` bytes of the member (fewer only at its end). */
  read(n: number): Promise<Uint8Array>;
  /** The same, copied into `scratch` (reused by the caller: no new array per read). */
  readInto(n: number, scratch: Uint8Array): Promise<Uint8Array>;
  readonly size: number;
}

/**
 * The regular files of a tar archive read as a stream: each is yielded with a body to read
 * from before asking for the next (whatever is left of it is skipped). Nothing is held but
 * the piece a reader asks for.
 */
export async function* tarEntries(
  archiveName: string,
  reader: ByteReader,
): AsyncGenerator<{ name: string; body: MemberBody }> {
  const names = new PendingNames();
  for (;;) {
    const offset = reader.consumed;
    const block = await reader.read(BLOCK);
    if (block.byteLength === 0 || block.every((b) => b === 0)) return;
    if (block.byteLength < BLOCK) {
      throw new DatasetInputError(
        `${archiveName} is cut short inside a tar header; download it again.`,
      );
    }
    const header = parseHeader(archiveName, block, offset);
    const cutShort = (name: string): DatasetInputError =>
      new DatasetInputError(
        `${archiveName} is cut short: member ${name} needs ${header.size} bytes but the archive ends first. Download it again.`,
      );
    if (isMeta(header.type)) {
      checkMetaSize(archiveName, header);
      const data = await reader.read(header.size);
      if (data.byteLength < header.size) throw cutShort(header.name);
      names.take(header, () => data);
      await reader.skip(padding(header.size));
      continue;
    }
    const { name, size } = names.resolve(header);
    let left = size;
    if (isFile(header.type)) {
      const counted = (piece: Uint8Array, n: number): Uint8Array => {
        left -= piece.byteLength;
        if (piece.byteLength < Math.min(n, left + piece.byteLength)) throw cutShort(name);
        return piece;
      };
      const body: MemberBody = {
        size,
        read: async (n) => counted(await reader.read(Math.min(n, left)), n),
        readInto: async (n, scratch) =>
          counted(await reader.readInto(Math.min(n, left), scratch), n),
      };
      yield { name, body };
    }
    if (left > 0 && (await reader.skip(left)) < left) throw cutShort(name);
    await reader.skip(padding(size));
  }
}

function padding(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK - size;
}
