/**
 * A ustar writer for test fixtures (the app only reads tarballs: ../readers/tar.ts). Written
 * from the format, not from the reader, so each checks the other.
 */
import type { TarMember } from '../readers/tar';

/** ustar's block: headers and data are padded to it. */
const BLOCK = 512;

/** Writes a ustar archive. */
export function writeTar(members: TarMember[]): Uint8Array {
  const size = members.reduce(
    (s, m) => s + BLOCK + Math.ceil(m.bytes.byteLength / BLOCK) * BLOCK,
    0,
  );
  const out = new Uint8Array(size + 2 * BLOCK);
  const encoder = new TextEncoder();
  let offset = 0;
  for (const m of members) {
    const header = out.subarray(offset, offset + BLOCK);
    header.set(encoder.encode(m.name).subarray(0, 100), 0);
    header.set(encoder.encode('0000644\0'), 100);
    header.set(encoder.encode('0000000\0'), 108);
    header.set(encoder.encode('0000000\0'), 116);
    header.set(encoder.encode(m.bytes.byteLength.toString(8).padStart(11, '0') + '\0'), 124);
    header.set(encoder.encode('00000000000\0'), 136);
    header[156] = '0'.charCodeAt(0);
    header.set(encoder.encode('ustar\0' + '00'), 257);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
    header.set(encoder.encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
    out.set(m.bytes, offset + BLOCK);
    offset += BLOCK + Math.ceil(m.bytes.byteLength / BLOCK) * BLOCK;
  }
  return out;
}
