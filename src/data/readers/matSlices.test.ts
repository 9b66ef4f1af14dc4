import { describe, expect, it } from 'vitest';
import { IMAGE_BYTES } from '../../storage/datasetStore';
import { fixtureImages } from '../testing/fixtures';
import { svhnMat } from '../testing/formats';
import { writeMat } from '../testing/matWriter';
import { joinPieces, type DecodedImages } from './decodedImages';
import { svhnMatSlices } from './matSlices';

/** The Blob calls the reader makes (size, slice, then stream or arrayBuffer), counting bytes read. */
function countingBlob(bytes: Uint8Array): Blob & { counter: { bytes: number } } {
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>]);
  const counter = { bytes: 0 };
  const slice = (start?: number, end?: number) => {
    const part = blob.slice(start, end);
    return {
      size: part.size,
      arrayBuffer: async () => {
        counter.bytes += part.size;
        return part.arrayBuffer();
      },
      stream: () =>
        part.stream().pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              counter.bytes += chunk.byteLength;
              controller.enqueue(chunk);
            },
          }),
        ),
    };
  };
  return { size: blob.size, slice, counter } as unknown as Blob & { counter: { bytes: number } };
}

async function all(name: string, blob: Blob, perPiece = 5): Promise<DecodedImages[]> {
  const out: DecodedImages[] = [];
  for await (const piece of svhnMatSlices(name, blob, perPiece)) out.push(piece);
  return out;
}

const blobOf = countingBlob;

/** Noise images (they compress about 1:1, as photos nearly do), zlib-compressed. */
function randomSvhnMat(count: number): Uint8Array {
  const x = new Uint8Array(count * IMAGE_BYTES);
  let state = 12345;
  for (let i = 0; i < x.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    x[i] = state >>> 24;
  }
  const y = Float64Array.from({ length: count }, (_, i) => (i % 10) + 1);
  return writeMat(
    [
      { name: 'X', dims: [32, 32, 3, count], data: x },
      { name: 'y', dims: [count, 1], data: y },
    ],
    true,
  );
}

describe('SVHN .mat read in slices of a Blob', () => {
  it.each([false, true])(
    'gives the images X [32,32,3,N] and y [N,1] hold, in pieces (compressed: %s)',
    async (c) => {
      const pieces = await all('train_32x32.mat', blobOf(svhnMat(23, c)));
      expect(pieces.map((p) => p.count)).toEqual([5, 5, 5, 5, 3]);
      const joined = joinPieces(pieces);
      expect(joined).toMatchObject({ kind: 'svhn', split: 'train', count: 23 });
      // Label 10 in the file is digit 0.
      const expected = fixtureImages(23, (i) => i % 10);
      expect(Buffer.from(joined.pixels).equals(Buffer.from(expected.pixels))).toBe(true);
      expect(Array.from(joined.labels)).toEqual(Array.from(expected.labels));
    },
  );

  it.each([false, true])(
    'yields the first images having read a small part of the file (compressed: %s)',
    async (compress) => {
      const bytes = compress ? randomSvhnMat(4000) : svhnMat(2000, false);
      const blob = blobOf(bytes);
      const pieces = svhnMatSlices('train_32x32.mat', blob, 8);
      const first = await pieces.next();
      expect(first.value).toMatchObject({ count: 8 });
      const read = blob.counter.bytes;
      await pieces.return(undefined);
      console.log(`first piece after ${read} of ${bytes.byteLength} bytes read`);
      expect(read).toBeLessThan(bytes.byteLength / 3);
    },
  );

  it('refuses forged sizes, a deflate bomb, missing variables and bad labels from the headers', async () => {
    const forged = (claimed: number, present: number, compress: boolean) =>
      writeMat(
        [
          { name: 'X', dims: [32, 32, 3, claimed], data: new Uint8Array(present * IMAGE_BYTES) },
          { name: 'y', dims: [claimed, 1], data: new Float64Array(present).fill(1) },
        ],
        compress,
      );
    for (const compress of [false, true]) {
      // A few KB claiming 3,000,000 images: refused before anything is sized by the claim.
      const bytes = forged(3_000_000, 2, compress);
      expect(bytes.byteLength).toBeLessThan(7_000);
      await expect(all('train_32x32.mat', blobOf(bytes))).rejects.toThrow(
        /is damaged or forged: variable X declares \[32, 32, 3, 3000000\] \(9,216,000,000 values\) but holds 6,144/,
      );
      await expect(all('train_32x32.mat', blobOf(forged(10, 2, compress)))).rejects.toThrow(
        /declares \[32, 32, 3, 10\] .* but holds 6,144/,
      );
    }
    const bomb = writeMat(
      [{ name: 'X', dims: [32, 32, 3, 2000], data: new Uint8Array(2000 * IMAGE_BYTES) }],
      true,
    );
    await expect(all('train_32x32.mat', blobOf(bomb))).rejects.toThrow(
      /inflates to more than 64 times its size/,
    );
    await expect(
      all('train_32x32.mat', blobOf(svhnMat(2, true, { x: 'images', y: 'labels' }))),
    ).rejects.toThrow(/has no variables X and y \(found: images, labels\)/);
    const badLabel = writeMat(
      [
        { name: 'X', dims: [32, 32, 3, 1], data: new Uint8Array(IMAGE_BYTES) },
        { name: 'y', dims: [1, 1], data: Float64Array.of(11) },
      ],
      false,
    );
    await expect(all('train_32x32.mat', blobOf(badLabel))).rejects.toThrow(
      /image 0 has label 11, but SVHN labels are 1-10/,
    );
    await expect(all('train_32x32.mat', blobOf(new Uint8Array(300)))).rejects.toThrow(
      /is not a MATLAB 5\.0 MAT-file/,
    );
    await expect(all('train_32x32.mat', blobOf(new Uint8Array(0)))).rejects.toThrow(/is empty/);
  });

  it('says a cut file or damaged compressed data is so', async () => {
    const plain = svhnMat(6, false);
    await expect(
      all('train_32x32.mat', blobOf(plain.subarray(0, plain.byteLength - 100))),
    ).rejects.toThrow(/is cut short/);
    const packed = svhnMat(6, true);
    const damaged = packed.slice();
    // Inside the first compressed element, past its zlib header.
    for (let i = 160; i < 400; i++) damaged[i] = damaged[i]! ^ 0x5a;
    await expect(all('train_32x32.mat', blobOf(damaged))).rejects.toThrow(
      /damaged|forged|cut short/,
    );
  });
});
