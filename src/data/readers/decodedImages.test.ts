import { describe, expect, it } from 'vitest';
import { IMAGE_BYTES } from '../../storage/datasetStore';
import { planarRecordsToInterleaved, planarToInterleaved } from './decodedImages';

describe('planarRecordsToInterleaved', () => {
  it('matches the byte-by-byte conversion for records at odd offsets and strides', () => {
    for (const [offset, stride] of [
      [1, IMAGE_BYTES + 1],
      [2, IMAGE_BYTES + 2],
      [0, IMAGE_BYTES],
    ] as const) {
      const count = 5;
      const src = new Uint8Array(offset + count * stride);
      for (let i = 0; i < src.length; i++) src[i] = (i * 2654435761) >>> 24;
      const expected = new Uint8Array(count * IMAGE_BYTES);
      for (let i = 0; i < count; i++) {
        planarToInterleaved(src, offset + i * stride, expected, i * IMAGE_BYTES);
      }
      const out = new Uint8Array(count * IMAGE_BYTES);
      planarRecordsToInterleaved(src, offset, stride, count, out);
      expect(out).toEqual(expected);
      // Pixel 5 of image 3: R, G, B from the three planes of record 3.
      const at = offset + 3 * stride;
      expect([...out.subarray(3 * IMAGE_BYTES + 15, 3 * IMAGE_BYTES + 18)]).toEqual([
        src[at + 5],
        src[at + 1024 + 5],
        src[at + 2048 + 5],
      ]);
    }
  });

  it('writes into an unaligned view byte by byte', () => {
    const src = new Uint8Array(IMAGE_BYTES + 1).map((_, i) => i * 7);
    const backing = new Uint8Array(IMAGE_BYTES + 1);
    const out = backing.subarray(1);
    planarRecordsToInterleaved(src, 1, IMAGE_BYTES + 1, 1, out);
    const expected = new Uint8Array(IMAGE_BYTES);
    planarToInterleaved(src, 1, expected, 0);
    expect(out).toEqual(expected);
  });
});
