import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GzipInflater, InflateError } from './gunzip';

/** Bytes that compress some but not all (like image records). */
function records(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = i % 7 === 0 ? x >>> 24 : (i >> 5) & 255;
  }
  return out;
}

/** Inflates `gz` pushed in pieces of `pieceBytes`, collecting copies of the output. */
async function inflate(
  gz: Uint8Array,
  pieceBytes: number,
  outputBytes = 4096,
): Promise<{ bytes: Uint8Array; largest: number }> {
  const inflater = await GzipInflater.create(outputBytes);
  const parts: Uint8Array[] = [];
  let largest = 0;
  const keep = (b: Uint8Array): void => {
    largest = Math.max(largest, b.byteLength);
    parts.push(b.slice());
  };
  try {
    for (let at = 0; at < gz.byteLength; at += pieceBytes) {
      inflater.push(gz.subarray(at, at + pieceBytes), keep);
    }
    inflater.end(keep);
  } finally {
    inflater.close();
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  return { bytes, largest };
}

describe('GzipInflater (zlib in WebAssembly)', () => {
  it('gives back exactly what gzip compressed, whatever the pieces pushed', async () => {
    for (const size of [20_000, 300_000]) {
      const data = records(size);
      const gz = new Uint8Array(gzipSync(data));
      for (const piece of size < 100_000 ? [1, 2] : [7, 4096, 65_536, gz.byteLength]) {
        const { bytes, largest } = await inflate(gz, piece);
        expect(bytes).toEqual(data);
        expect(largest).toBeLessThanOrEqual(4096); // never more than the output buffer at once
      }
    }
  });

  it('reads concatenated members as one file, as gunzip does', async () => {
    const a = records(50_000, 2);
    const b = records(70_000, 3);
    const gz = new Uint8Array(Buffer.concat([gzipSync(a), gzipSync(b)]));
    const { bytes } = await inflate(gz, 10_000);
    expect(bytes).toEqual(new Uint8Array(Buffer.concat([a, b])));
  });

  it('refuses data cut short, damaged, or followed by junk', async () => {
    const gz = new Uint8Array(gzipSync(records(100_000)));
    await expect(inflate(gz.subarray(0, gz.byteLength - 100), 5000)).rejects.toThrow(
      new InflateError('it ends early: the file is cut short'),
    );
    const damaged = gz.slice();
    damaged.fill(7, 20, 400);
    await expect(inflate(damaged, 5000)).rejects.toBeInstanceOf(InflateError);
    const junk = new Uint8Array([...gz, 1, 2, 3, 4]);
    await expect(inflate(junk, 5000)).rejects.toBeInstanceOf(InflateError);
  });
});
