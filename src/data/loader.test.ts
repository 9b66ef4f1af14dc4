import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_BYTES, openDatasetDb, type DatasetDb } from '../storage/datasetStore';
import { SHARD_SIZE, importDataset } from './importer';
import {
  SHUFFLE_WINDOW_SHARDS,
  batchesPerEpoch,
  getManifest,
  openBatches,
  type Batch,
  type LoaderOptions,
} from './loader';
import { fixtureIndex } from './testing/fixtures';
import { cifar10Bin } from './testing/formats';

// 9 shards of train (the last one partial), so shard order and windows both matter.
const TRAIN = 8 * SHARD_SIZE + 700;
let db: DatasetDb;

beforeAll(async () => {
  db = await openDatasetDb('test-loader');
  await importDataset(db, {
    name: 'ds',
    sources: [
      {
        kind: 'bytes',
        name: 'data_batch_1.bin',
        bytes: cifar10Bin(TRAIN, (i) => i % 10).buffer as ArrayBuffer,
      },
      { kind: 'bytes', name: 'test_batch.bin', bytes: cifar10Bin(123).buffer as ArrayBuffer },
    ],
  });
});

const base: LoaderOptions = {
  dataset: 'ds',
  split: 'train',
  batchSize: 256,
  seed: 7,
  epoch: 0,
  shuffle: true,
};

async function collect(options: LoaderOptions): Promise<{ indices: number[]; batches: Batch[] }> {
  const batches: Batch[] = [];
  const indices: number[] = [];
  for await (const batch of openBatches(db, options)) {
    batches.push(batch);
    for (let j = 0; j < batch.size; j++) indices.push(fixtureIndex(batch.images, j));
  }
  return { indices, batches };
}

describe('openBatches', () => {
  it('serves every image once per epoch, with its own label, in NHWC batches', async () => {
    const { indices, batches } = await collect(base);
    expect(indices).toHaveLength(TRAIN);
    expect(new Set(indices).size).toBe(TRAIN);
    expect(batches).toHaveLength(Math.ceil(TRAIN / 256));
    expect(batches.at(-1)!.size).toBe(TRAIN % 256);
    for (const batch of batches.slice(0, 3)) {
      expect(batch.images.byteLength).toBe(batch.size * IMAGE_BYTES);
      for (let j = 0; j < batch.size; j++) {
        expect(batch.labels[j]).toBe(fixtureIndex(batch.images, j) % 10);
        // The fixture stores the label in the first pixel's blue channel (NHWC: byte 2).
        expect(batch.images[j * IMAGE_BYTES + 2]).toBe(batch.labels[j]);
      }
    }
  });

  it('is deterministic in (seed, epoch) and differs across epochs and seeds', async () => {
    const a = (await collect(base)).indices;
    expect((await collect(base)).indices).toEqual(a);
    expect((await collect({ ...base, epoch: 1 })).indices).not.toEqual(a);
    expect((await collect({ ...base, seed: 8 })).indices).not.toEqual(a);
    // Mixed across shards: the first batch draws from several shards.
    const shards = new Set(a.slice(0, 256).map((i) => Math.floor(i / SHARD_SIZE)));
    expect(shards.size).toBeGreaterThan(1);
    expect(shards.size).toBeLessThanOrEqual(SHUFFLE_WINDOW_SHARDS);
  });

  it('keeps stored order without shuffle', async () => {
    const { indices } = await collect({ ...base, shuffle: false, split: 'test', batchSize: 50 });
    expect(indices).toEqual(Array.from({ length: 123 }, (_, i) => i));
  });

  it('resumes at startBatch with exactly the batches it would have served', async () => {
    const full = await collect(base);
    for (const startBatch of [0, 1, 9, 10, 40, 80, Math.ceil(TRAIN / 256) - 1]) {
      const resumed = await collect({ ...base, startBatch });
      expect(resumed.indices).toEqual(full.indices.slice(startBatch * 256));
    }
    expect((await collect({ ...base, startBatch: 10_000 })).batches).toEqual([]);
  });

  it('limits the epoch to the first images in stored order', async () => {
    const { indices } = await collect({ ...base, limit: 3000 });
    expect(indices).toHaveLength(3000);
    expect(Math.max(...indices)).toBe(2999);
    const manifest = (await getManifest(db, 'ds'))!;
    expect(batchesPerEpoch(manifest, 'train', 256, 3000)).toBe(12);
  });

  it('works with any prefetch depth', async () => {
    const a = (await collect({ ...base, prefetch: 0 })).indices;
    expect((await collect({ ...base, prefetch: 3 })).indices).toEqual(a);
  });

  it('says clearly what is wrong with its options', async () => {
    await expect(collect({ ...base, dataset: 'nope' })).rejects.toThrow(/No dataset named "nope"/);
    await expect(collect({ ...base, batchSize: 0 })).rejects.toThrow(
      /batchSize must be a positive integer/,
    );
    await expect(collect({ ...base, startBatch: -1 })).rejects.toThrow(/startBatch/);
  });
});
