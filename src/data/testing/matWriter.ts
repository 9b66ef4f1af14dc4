/**
 * A level-5 MAT-file writer for test fixtures (the app only reads them: ../readers/matFile.ts).
 * Written from the format, not from the reader, so each checks the other.
 */
import { zlibSync } from 'fflate';

// Data types and the header's size, from MathWorks' "MAT-File Format" (level 5).
const MI_INT8 = 1;
const MI_UINT8 = 2;
const MI_INT32 = 5;
const MI_UINT32 = 6;
const MI_DOUBLE = 9;
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
const HEADER_BYTES = 128;

/** Writes a level-5 MAT-file of uint8 / double variables. */
export function writeMat(
  variables: { name: string; dims: number[]; data: Uint8Array | Float64Array }[],
  compress: boolean,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  const header = new Uint8Array(HEADER_BYTES).fill(32);
  header.set(new TextEncoder().encode('MATLAB 5.0 MAT-file, written by dmrnet tests'), 0);
  header.fill(0, 116, 124);
  header[124] = 0x00;
  header[125] = 0x01;
  header[126] = 'I'.charCodeAt(0);
  header[127] = 'M'.charCodeAt(0);
  chunks.push(header);
  const element = (type: number, data: Uint8Array): Uint8Array => {
    const out = new Uint8Array(8 + Math.ceil(data.byteLength / 8) * 8);
    const view = new DataView(out.buffer);
    view.setUint32(0, type, true);
    view.setUint32(4, data.byteLength, true);
    out.set(data, 8);
    return out;
  };
  const concat = (parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.byteLength;
    }
    return out;
  };
  for (const v of variables) {
    const isDouble = v.data instanceof Float64Array;
    const flags = new Uint8Array(8);
    new DataView(flags.buffer).setUint32(0, isDouble ? 6 : 9, true);
    const dims = new Uint8Array(new Int32Array(v.dims).buffer);
    const body = concat([
      element(MI_UINT32, flags),
      element(MI_INT32, dims),
      element(MI_INT8, new TextEncoder().encode(v.name)),
      element(
        isDouble ? MI_DOUBLE : MI_UINT8,
        new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength),
      ),
    ]);
    const matrix = element(MI_MATRIX, body);
    if (compress) {
      const z = zlibSync(matrix);
      const out = new Uint8Array(8 + z.byteLength);
      const view = new DataView(out.buffer);
      view.setUint32(0, MI_COMPRESSED, true);
      view.setUint32(4, z.byteLength, true);
      out.set(z, 8);
      chunks.push(out);
    } else chunks.push(matrix);
  }
  return concat(chunks);
}
