import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import {
  DATASET_DB_VERSION,
  IMAGE_BYTES,
  STORES,
  openDatasetDb,
  putShard,
  readShard,
  type Shard,
} from './datasetStore';

describe('dataset store', () => {
  it('stores pixels as a Blob and reads them back as bytes', async () => {
    const db = await openDatasetDb('store-blob');
    const backing = new Uint8Array(3 * IMAGE_BYTES).map((_, i) => i);
    // A view into a bigger buffer: only the view's bytes are stored.
    const shard: Shard = {
      storageId: 's',
      split: 'train',
      index: 0,
      count: 1,
      pixels: backing.subarray(IMAGE_BYTES, 2 * IMAGE_BYTES),
      labels: new Uint8Array([4]),
    };
    await putShard(db, shard);
    const stored = await db.get(STORES.shards, ['s', 'train', 0]);
    expect(stored?.pixels).toBeInstanceOf(Blob);
    expect((stored?.pixels as Blob).size).toBe(IMAGE_BYTES);
    const read = await readShard(db, 's', 'train', 0);
    expect(read.pixels).toEqual(backing.slice(IMAGE_BYTES, 2 * IMAGE_BYTES));
    expect(read.labels).toEqual(new Uint8Array([4]));
    db.close();
  });

  it('opens a version-1 database and still reads its Uint8Array shards', async () => {
    const v1 = await openDB('store-v1', 1, {
      upgrade(db) {
        db.createObjectStore('manifests', { keyPath: 'name' });
        db.createObjectStore('shards', { keyPath: ['storageId', 'split', 'index'] });
        db.createObjectStore('pending', { keyPath: 'storageId' });
        db.createObjectStore('meta');
      },
    });
    const pixels = new Uint8Array(IMAGE_BYTES).fill(9);
    await v1.put('shards', {
      storageId: 'old',
      split: 'test',
      index: 0,
      count: 1,
      pixels,
      labels: new Uint8Array([2]),
    });
    v1.close();
    const db = await openDatasetDb('store-v1');
    expect(db.version).toBe(DATASET_DB_VERSION);
    expect((await readShard(db, 'old', 'test', 0)).pixels).toEqual(pixels);
    db.close();
  });
});
