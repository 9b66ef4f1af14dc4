import 'fake-indexeddb/auto';
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  STORES,
  collectOrphans,
  deleteDataset,
  getManifest,
  listManifests,
  openDatasetDb,
  putShard,
  readShard,
  type DatasetDb,
} from '../storage/datasetStore';
import {
  DuplicateDatasetError,
  ImportCancelledError,
  SHARD_SIZE,
  importDataset,
  type ImportProgress,
} from './importer';
import { addChannelHistogram } from './channelStatistics';
import { fixtureIndex } from './testing/fixtures';
import { cifar10Bin, hfParquet } from './testing/formats';
import { GzipInflater } from './readers/gunzip';

let dbCount = 0;
const freshDb = (): Promise<DatasetDb> => openDatasetDb(`test-import-${++dbCount}`);
const bytes = (name: string, data: Uint8Array | ArrayBuffer) => ({
  kind: 'bytes' as const,
  name,
  bytes: data instanceof ArrayBuffer ? data : (data.slice().buffer as ArrayBuffer),
});

async function shardCount(db: DatasetDb): Promise<number> {
  return (await db.getAllKeys(STORES.shards)).length;
}

/** Nothing of a failed import is left: no manifest, no shards, no pending record. */
async function expectNoTrace(db: DatasetDb, before: number) {
  expect(await shardCount(db)).toBe(before);
  expect(await db.getAll(STORES.pending)).toEqual([]);
}

describe('importDataset', () => {
  it('stores shards and a manifest with counts, stats and a checksum', async () => {
    const db = await freshDb();
    const train = cifar10Bin(SHARD_SIZE + 300);
    const progress: ImportProgress[] = [];
    const manifest = await importDataset(
      db,
      {
        name: 'small',
        sources: [bytes('data_batch_1.bin', train), bytes('test_batch.bin', cifar10Bin(40))],
      },
      { onProgress: (p) => progress.push(p) },
    );
    expect(manifest).toMatchObject({
      name: 'small',
      kind: 'cifar10',
      classes: 10,
      splits: {
        train: { count: SHARD_SIZE + 300, shardSizes: [SHARD_SIZE, 300] },
        test: { count: 40, shardSizes: [40] },
      },
    });
    expect(manifest.labelNames[0]).toBe('airplane');
    expect(manifest.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(await getManifest(db, 'small')).toEqual(manifest);
    const shard = await readShard(db, manifest.storageId, 'train', 1);
    expect(shard.count).toBe(300);
    expect(fixtureIndex(shard.pixels, 0)).toBe(SHARD_SIZE);
    expect(progress.at(-1)).toMatchObject({
      phase: 'finishing',
      images: SHARD_SIZE + 340,
      fraction: 1,
    });

    // Mean and std per channel over the train split, on 0..255, from the exact pixels.
    const sums = [0, 0, 0];
    const squares = [0, 0, 0];
    const all = new Uint8Array((SHARD_SIZE + 300) * 3072);
    all.set((await readShard(db, manifest.storageId, 'train', 0)).pixels);
    all.set(shard.pixels, SHARD_SIZE * 3072);
    for (let i = 0; i < all.length; i++) {
      sums[i % 3]! += all[i]!;
      squares[i % 3]! += all[i]! ** 2;
    }
    const n = all.length / 3;
    for (let c = 0; c < 3; c++) {
      const mean = sums[c]! / n;
      expect(manifest.mean[c]).toBeCloseTo(mean, 6);
      expect(manifest.std[c]).toBeCloseTo(Math.sqrt(squares[c]! / n - mean * mean), 6);
    }
  });

  it('gives the same checksum for the same images', async () => {
    const a = await importDataset(await freshDb(), {
      name: 'a',
      sources: [bytes('data_batch_1.bin', cifar10Bin(20))],
    });
    const b = await importDataset(await freshDb(), {
      name: 'b',
      sources: [bytes('data_batch_1.bin', cifar10Bin(20))],
    });
    const c = await importDataset(await freshDb(), {
      name: 'c',
      sources: [bytes('data_batch_1.bin', cifar10Bin(21))],
    });
    expect(a.checksum).toBe(b.checksum);
    expect(c.checksum).not.toBe(a.checksum);
  });

  it('recognises a duplicate import, offers the stored dataset and stores nothing new', async () => {
    const db = await freshDb();
    const a = await importDataset(db, {
      name: 'a',
      sources: [bytes('data_batch_1.bin', cifar10Bin(20))],
    });
    const before = await shardCount(db);
    // The same images under another name and file name: the existing dataset, no second copy.
    const again = importDataset(db, {
      name: 'a again',
      sources: [bytes('copy of batch 1.bin', cifar10Bin(20))],
    });
    await expect(again).rejects.toBeInstanceOf(DuplicateDatasetError);
    await expect(again).rejects.toMatchObject({ existing: { name: 'a', checksum: a.checksum } });
    await expect(again).rejects.toThrow(/same images as "a"/);
    await expectNoTrace(db, before);
    expect((await listManifests(db)).map((m) => m.name)).toEqual(['a']);
    // Different images (one more) are a dataset of their own.
    const c = await importDataset(db, {
      name: 'c',
      sources: [bytes('data_batch_1.bin', cifar10Bin(21))],
    });
    expect(c.checksum).not.toBe(a.checksum);
    expect((await listManifests(db)).map((m) => m.name).sort()).toEqual(['a', 'c']);
  });

  it("stores every shard intact while reusing stored shards' pixel buffers", async () => {
    // Streamed (gzip) pieces fill shards in buffers handed back by earlier shards as soon as
    // IndexedDB's put cloned them, while those (here slow) writes still commit: a buffer
    // reused before its clone was taken would store a later shard's images.
    const db = await freshDb();
    const count = 5 * SHARD_SIZE + 7;
    let release: (() => void) | null = null;
    let overlapped = false;
    const manifest = await importDataset(
      db,
      { name: 'reused', sources: [bytes('data_batch_1.bin.gz', gzipSync(cifar10Bin(count)))] },
      {
        putShard: async (db, shard) => {
          const stored = putShard(db, shard); // the clone is taken here
          const previous = release;
          release = null;
          overlapped ||= previous !== null;
          previous?.();
          // A full shard's write settles only once the next shard's put started (its buffer
          // was meanwhile refilled); the last, partial one at once.
          if (shard.count === SHARD_SIZE) await new Promise<void>((resolve) => (release = resolve));
          await stored;
        },
      },
    );
    expect(overlapped).toBe(true); // a shard was filled while the previous one committed
    const sizes = manifest.splits.train!.shardSizes;
    expect(sizes).toEqual([SHARD_SIZE, SHARD_SIZE, SHARD_SIZE, SHARD_SIZE, SHARD_SIZE, 7]);
    let image = 0;
    for (let s = 0; s < sizes.length; s++) {
      const shard = await readShard(db, manifest.storageId, 'train', s);
      for (let i = 0; i < shard.count; i++, image++) {
        if (fixtureIndex(shard.pixels, i) !== image % 65536) {
          expect.fail(`shard ${s} image ${i} holds image ${fixtureIndex(shard.pixels, i)}`);
        }
        expect(shard.labels[i]).toBe(image % 10);
      }
    }
    expect(image).toBe(count);
    // The same images, unstreamed: recognised as the stored dataset (same checksum).
    const again = importDataset(db, {
      name: 'again',
      sources: [bytes('data_batch_1.bin', cifar10Bin(count))],
    });
    await expect(again).rejects.toMatchObject({ existing: { checksum: manifest.checksum } });
  });

  it('imports Hugging Face Parquet', async () => {
    const db = await freshDb();
    const manifest = await importDataset(db, {
      name: 'hf',
      sources: [bytes('train-00000-of-00001.parquet', hfParquet(8, 'cifar100'))],
    });
    expect(manifest).toMatchObject({
      kind: 'cifar100',
      classes: 100,
      splits: { train: { count: 8 } },
    });
    expect(manifest.coarseLabelNames).toHaveLength(20);
    const shard = await readShard(db, manifest.storageId, 'train', 0);
    expect(Array.from(shard.coarseLabels!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('refuses a name that is taken, and leaves the existing dataset alone', async () => {
    const db = await freshDb();
    const first = await importDataset(db, {
      name: 'x',
      sources: [bytes('data_batch_1.bin', cifar10Bin(3))],
    });
    await expect(
      importDataset(db, { name: 'x', sources: [bytes('data_batch_1.bin', cifar10Bin(4))] }),
    ).rejects.toThrow(/A dataset named "x" already exists/);
    expect(await getManifest(db, 'x')).toEqual(first);
  });

  it.each([
    ['an empty file', bytes('data_batch_1.bin', new Uint8Array(0)), /empty \(0 bytes\)/],
    [
      'a truncated record',
      bytes('data_batch_1.bin', cifar10Bin(2).subarray(0, 5000)),
      /truncated record/,
    ],
    [
      'labels out of range',
      bytes(
        'data_batch_1.bin',
        cifar10Bin(3, () => 10),
      ),
      /label 10, but CIFAR-10 labels are 0-9/,
    ],
  ])('leaves no partial dataset after %s, even after good files', async (_, bad, message) => {
    const db = await freshDb();
    await importDataset(db, { name: 'other', sources: [bytes('data_batch_1.bin', cifar10Bin(5))] });
    const before = await shardCount(db);
    await expect(
      importDataset(db, {
        name: 'broken',
        sources: [bytes('data_batch_1.bin', cifar10Bin(SHARD_SIZE + 1)), bad],
      }),
    ).rejects.toThrow(message);
    await expectNoTrace(db, before);
    expect((await listManifests(db)).map((m) => m.name)).toEqual(['other']);
  });

  it('turns a failed write on a full disk into a clear message and stores nothing', async () => {
    const db = await freshDb();
    await importDataset(db, { name: 'kept', sources: [bytes('data_batch_1.bin', cifar10Bin(5))] });
    const before = await shardCount(db);
    let puts = 0;
    const result = importDataset(
      db,
      { name: 'big', sources: [bytes('data_batch_1.bin', cifar10Bin(3 * SHARD_SIZE))] },
      {
        // The first shard is really stored; the second hits the (simulated) full disk, while
        // the quota still shows room: the quota is a share of the disk, not a reservation.
        putShard: async (d, shard) => {
          if (++puts === 2)
            throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
          await putShard(d, shard);
        },
        estimate: async () => ({ usage: 22 * 2 ** 20, quota: 1046 * 2 ** 20 }),
      },
    );
    await expect(result).rejects.toThrow(
      'Storage ran out while writing "big". The disk is full: this site stores 22.0 MB and may use up to 1,046 MB, but the device has no room left for it. Free disk space or delete a dataset or run. Nothing was stored.',
    );
    expect(puts).toBeGreaterThanOrEqual(2); // writes overlap: one more may have started
    await expectNoTrace(db, before);
    expect(await getManifest(db, 'big')).toBeUndefined();
    expect(await getManifest(db, 'kept')).toBeDefined();
  });

  it('refuses a shard that would not fit before writing it, with the numbers', async () => {
    const db = await freshDb();
    await importDataset(db, { name: 'kept', sources: [bytes('data_batch_1.bin', cifar10Bin(5))] });
    const before = await shardCount(db);
    let puts = 0;
    let estimates = 0;
    const result = importDataset(
      db,
      { name: 'big', sources: [bytes('data_batch_1.bin', cifar10Bin(3 * SHARD_SIZE))] },
      {
        putShard: async (d, shard) => {
          puts++;
          await putShard(d, shard);
        },
        // Room for the whole file when the import starts (the up-front size check passes),
        // less by its first shard (another tab wrote meanwhile): the shard's own check refuses.
        estimate: async () => ({ usage: 50 * 2 ** 20, quota: (estimates++ ? 60 : 1000) * 2 ** 20 }),
      },
    );
    await expect(result).rejects.toThrow(
      /^Not enough storage space for "big": it needs \d+\.\d MB plus 32\.0 MB kept free, and 10\.0 MB is available \(this site stores 50\.0 MB; the browser allows it 60\.0 MB, limited by the free disk space\)\. Nothing was stored\./,
    );
    expect(puts).toBe(0);
    await expectNoTrace(db, before);
    expect(await getManifest(db, 'big')).toBeUndefined();
  });

  it('cancels halfway and leaves no trace', async () => {
    const db = await freshDb();
    const controller = new AbortController();
    let puts = 0;
    const result = importDataset(
      db,
      { name: 'cancelled', sources: [bytes('data_batch_1.bin', cifar10Bin(4 * SHARD_SIZE))] },
      {
        signal: controller.signal,
        putShard: async (d, shard) => {
          await putShard(d, shard);
          if (++puts === 2) controller.abort();
        },
      },
    );
    await expect(result).rejects.toThrow(ImportCancelledError);
    await expect(result).rejects.toThrow('Import cancelled; nothing was stored.');
    await expectNoTrace(db, 0);
    expect(await listManifests(db)).toEqual([]);
  });

  it('refuses a Parquet file with zero rows', async () => {
    const db = await freshDb();
    await expect(
      importDataset(db, {
        name: 'none',
        sources: [bytes('train-00000-of-00001.parquet', hfParquet(0, 'cifar10'))],
      }),
    ).rejects.toThrow(/holds no rows \(0 images\)/);
    await expectNoTrace(db, 0);
    expect(await listManifests(db)).toEqual([]);
  });

  it('says the disk is full when the browser fails to write its files (IOError)', async () => {
    const db = await freshDb();
    await expect(
      importDataset(
        db,
        { name: 'disk', sources: [bytes('data_batch_1.bin', cifar10Bin(5))] },
        {
          putShard: async () => {
            throw new DOMException('Failed to write blobs (IOError)', 'UnknownError');
          },
        },
      ),
    ).rejects.toThrow(
      /Could not store "disk": the disk is full .*Free disk space, then import again\./,
    );
    await expectNoTrace(db, 0);
  });

  it('deletes one dataset without touching another', async () => {
    const db = await freshDb();
    const a = await importDataset(db, {
      name: 'a',
      sources: [bytes('data_batch_1.bin', cifar10Bin(4))],
    });
    await importDataset(db, { name: 'b', sources: [bytes('data_batch_1.bin', cifar10Bin(6))] });
    expect(await deleteDataset(db, 'a')).toBe(true);
    expect((await listManifests(db)).map((m) => m.name)).toEqual(['b']);
    await expect(readShard(db, a.storageId, 'train', 0)).rejects.toThrow(/missing/);
    expect(await shardCount(db)).toBe(1);
  });

  it('collects shards orphaned by a crash, not those of live imports', async () => {
    const db = await freshDb();
    await importDataset(db, { name: 'a', sources: [bytes('data_batch_1.bin', cifar10Bin(4))] });
    const orphan = {
      storageId: 'gone#1',
      split: 'train' as const,
      index: 0,
      count: 0,
      pixels: new Uint8Array(0),
      labels: new Uint8Array(0),
    };
    await putShard(db, orphan);
    await db.put(STORES.pending, { storageId: 'live#1', name: 'live', startedAt: Date.now() });
    await putShard(db, { ...orphan, storageId: 'live#1' });
    expect(await collectOrphans(db)).toBe(1);
    expect(await shardCount(db)).toBe(2);
  });
});

describe('pending imports without an owner', () => {
  const shard = (storageId: string) => ({
    storageId,
    split: 'train' as const,
    index: 0,
    count: 0,
    pixels: new Uint8Array(0),
    labels: new Uint8Array(0),
  });

  it('are collected at once, whatever their age, while owned ones stay', async () => {
    const db = await freshDb();
    const kept = await importDataset(db, {
      name: 'kept',
      sources: [bytes('data_batch_1.bin', cifar10Bin(4))],
    });
    // A tab reloaded a second ago mid-import: a fresh pending record and its shards.
    await db.put(STORES.pending, {
      storageId: 'reloaded#1',
      name: 'reloaded',
      startedAt: Date.now(),
    });
    await putShard(db, shard('reloaded#1'));
    await putShard(db, { ...shard('reloaded#1'), index: 1 });
    // An import running in another tab, holding its lock.
    await db.put(STORES.pending, {
      storageId: 'running#1',
      name: 'running',
      startedAt: Date.now(),
    });
    await putShard(db, shard('running#1'));
    // A pending record whose import died before its first shard.
    await db.put(STORES.pending, { storageId: 'empty#1', name: 'empty', startedAt: Date.now() });
    const owned = async (p: { storageId: string }) => p.storageId === 'running#1';
    expect(await collectOrphans(db, owned)).toBe(2);
    expect((await db.getAll(STORES.pending)).map((p) => p.storageId)).toEqual(['running#1']);
    expect((await db.getAllKeys(STORES.shards)).map((k) => k[0]).sort()).toEqual(
      [kept.storageId, 'running#1'].sort(),
    );
  });

  it('runs the import inside its owner (the Web Lock), keyed by the storage id it writes', async () => {
    const db = await freshDb();
    const owners: string[] = [];
    const manifest = await importDataset(
      db,
      { name: 'locked', sources: [bytes('data_batch_1.bin', cifar10Bin(3))] },
      {
        ownPending: (storageId, run) => {
          owners.push(storageId);
          return run();
        },
      },
    );
    expect(owners).toEqual([manifest.storageId]);
  });
});

describe('importDataset from URLs', () => {
  afterEach(() => void vi.restoreAllMocks());
  let server: Server;
  let base = '';
  const files: Record<string, Uint8Array> = {
    '/data_batch_1.bin': cifar10Bin(30),
    '/test_batch.bin': cifar10Bin(10),
    '/train-00000-of-00001.parquet': new Uint8Array(hfParquet(6, 'cifar10')),
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/gzip/test_batch.bin') {
        // Content-Encoding: fetch hands over more bytes than Content-Length says.
        const gz = gzipSync(files['/test_batch.bin']!);
        res.writeHead(200, { 'content-length': String(gz.byteLength), 'content-encoding': 'gzip' });
        res.end(gz);
        return;
      }
      if (req.url === '/missing.bin') {
        // What a single-page app's server answers for any path (Vite's preview does).
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<!doctype html>\n<html lang="en"><head><title>App</title></head></html>');
        return;
      }
      if (req.url === '/huge.bin') {
        // A Content-Length no browser can hold in one buffer; the body never comes.
        res.writeHead(200, { 'content-length': '8000000000' });
        res.write(Buffer.from(cifar10Bin(1)));
        req.on('close', () => res.destroy());
        return;
      }
      if (req.url === '/cut.bin.gz') {
        // A gzip download that drops halfway: the download failed, the data is not damaged.
        const gz = gzipSync(cifar10Bin(300), { level: 0 });
        res.writeHead(200, { 'content-length': String(gz.byteLength) });
        res.write(Buffer.from(gz.subarray(0, gz.byteLength >> 1)), () => res.destroy());
        return;
      }
      if (req.url === '/cut.bin') {
        // The connection drops after 10 of 30 records.
        res.writeHead(200, { 'content-length': String(files['/data_batch_1.bin']!.byteLength) });
        res.write(Buffer.from(files['/data_batch_1.bin']!.subarray(0, 10 * 3073)), () =>
          res.destroy(),
        );
        return;
      }
      const body = files[req.url ?? ''];
      if (!body) {
        res.writeHead(404, 'Not Found').end();
        return;
      }
      res.writeHead(200, { 'content-length': String(body.byteLength) }).end(Buffer.from(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches the official .bin files and a Parquet file served locally', async () => {
    const db = await freshDb();
    const bin = await importDataset(db, {
      name: 'url',
      sources: [
        { kind: 'url', url: `${base}/data_batch_1.bin` },
        { kind: 'url', url: `${base}/test_batch.bin` },
      ],
    });
    expect(bin.splits).toMatchObject({ train: { count: 30 }, test: { count: 10 } });
    expect(bin.source).toContain(`${base}/data_batch_1.bin`);
    const hf = await importDataset(db, {
      name: 'hf',
      kind: 'cifar10',
      sources: [{ kind: 'url', url: `${base}/train-00000-of-00001.parquet` }],
    });
    expect(hf.splits.train?.count).toBe(6);
  });

  it('takes a body larger than its Content-Length (gzip Content-Encoding)', async () => {
    const db = await freshDb();
    const manifest = await importDataset(db, {
      name: 'gz',
      sources: [{ kind: 'url', url: `${base}/gzip/test_batch.bin` }],
    });
    expect(manifest.splits.test?.count).toBe(10);
  });

  it('reports a 404 and stores nothing', async () => {
    const db = await freshDb();
    await expect(
      importDataset(db, {
        name: 'missing',
        sources: [
          { kind: 'url', url: `${base}/data_batch_1.bin` },
          { kind: 'url', url: `${base}/nope.bin` },
        ],
      }),
    ).rejects.toThrow(`${base}/nope.bin answered 404 Not Found; check the URL.`);
    await expectNoTrace(db, 0);
  });

  it('reports a refused connection as a network or CORS failure', async () => {
    const db = await freshDb();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(
      importDataset(db, {
        name: 'down',
        sources: [{ kind: 'url', url: `http://127.0.0.1:${port}/x.bin` }],
      }),
    ).rejects.toThrow(
      /Could not fetch .*the network failed or the server does not allow cross-origin requests \(CORS\)/,
    );
    await expectNoTrace(db, 0);
  });

  it('names a web page answered with status 200 as such', async () => {
    const db = await freshDb();
    await expect(
      importDataset(db, { name: 'html', sources: [{ kind: 'url', url: `${base}/missing.bin` }] }),
    ).rejects.toThrow(`${base}/missing.bin: this URL returned a web page, not a dataset`);
    await expectNoTrace(db, 0);
  });

  it('refuses a Content-Length of 8e9 with the sizes, allocating nothing', async () => {
    const db = await freshDb();
    await expect(
      importDataset(
        db,
        { name: 'huge', sources: [{ kind: 'url', url: `${base}/huge.bin` }] },
        { estimate: async () => ({ usage: 22 * 2 ** 20, quota: 1046 * 2 ** 20 }) },
      ),
    ).rejects.toThrow(
      `${base}/huge.bin is 7.5 GB, but this browser lets the site store only 1.0 GB more. Nothing was stored.`,
    );
    await expectNoTrace(db, 0);
  });

  it('reports a download cut off midway and stores nothing', async () => {
    const db = await freshDb();
    await expect(
      importDataset(db, { name: 'cut', sources: [{ kind: 'url', url: `${base}/cut.bin` }] }),
    ).rejects.toThrow(/Downloading .*\/cut\.bin failed after \d+ bytes/);
    await expectNoTrace(db, 0);
  });

  it.each([
    ['zlib in WebAssembly', false],
    ['DecompressionStream, where WebAssembly cannot start', true],
  ])(
    'reports a gzip download cut off midway as a failed download, not damaged data (%s)',
    async (_, noWasm) => {
      if (noWasm) vi.spyOn(GzipInflater, 'create').mockRejectedValue(new Error('no WebAssembly'));
      const db = await freshDb();
      await expect(
        importDataset(db, { name: 'cut', sources: [{ kind: 'url', url: `${base}/cut.bin.gz` }] }),
      ).rejects.toThrow(/Downloading .*\/cut\.bin\.gz failed after \d+ bytes/);
      await expectNoTrace(db, 0);
    },
  );

  it('rejects a URL that is not http(s)', async () => {
    const db = await freshDb();
    await expect(
      importDataset(db, {
        name: 'ftp',
        sources: [{ kind: 'url', url: 'ftp://example.org/x.bin' }],
      }),
    ).rejects.toThrow(/only http and https URLs can be imported/);
  });
});

describe('addChannelHistogram', () => {
  it('counts each channel like a byte-by-byte loop, aligned or not', () => {
    const backing = new Uint8Array(1 + 3 * 1000).map((_, i) => (i * 2654435761) >>> 24);
    for (const pixels of [
      backing.subarray(0, 3 * 1000),
      backing.subarray(1),
      backing.subarray(4, 4 + 3 * 7),
    ]) {
      const expected = new Float64Array(768);
      for (let i = 0; i < pixels.length; i += 3) {
        expected[pixels[i]!]!++;
        expected[256 + pixels[i + 1]!]!++;
        expected[512 + pixels[i + 2]!]!++;
      }
      const histogram = new Float64Array(768);
      addChannelHistogram(pixels, histogram);
      addChannelHistogram(pixels, histogram);
      expect(histogram).toEqual(expected.map((v) => 2 * v));
    }
  });
});
