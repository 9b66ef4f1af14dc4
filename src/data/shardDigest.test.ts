import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Shard } from '../storage/datasetStore';
import { hashAndStore } from './shardDigest';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const hex = (buffer: ArrayBuffer): string => Buffer.from(buffer).toString('hex');

describe('hashAndStore', () => {
  it('says the bytes were copied before the write settles, and hashes what was handed over', async () => {
    const pixels = new Uint8Array(3072 * 2).map((_, i) => i % 251);
    const labels = new Uint8Array([3, 7]);
    const expected = { pixels: sha256(pixels), labels: sha256(labels) };
    const shard: Shard = { storageId: 's#1', split: 'train', index: 0, count: 2, pixels, labels };
    const events: string[] = [];
    let release!: () => void;
    const result = hashAndStore(
      shard,
      async () => {
        events.push('put');
        await new Promise<void>((resolve) => (release = resolve));
        events.push('stored');
      },
      () => {
        events.push('copied');
        // The caller may now reuse the buffers: the digests must not see this.
        pixels.fill(0);
        labels.fill(0);
      },
    );
    await Promise.resolve();
    expect(events).toEqual(['put', 'copied']);
    release();
    const digests = await result;
    expect(events).toEqual(['put', 'copied', 'stored']);
    expect({ pixels: hex(digests.pixels), labels: hex(digests.labels) }).toEqual(expected);
  });
});
