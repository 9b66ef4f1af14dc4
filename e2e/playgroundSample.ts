/**
 * The shipped CIFAR-10 sample for the playground's e2e runs, as e2e/train.spec.ts does it:
 * wait for the app to install it; put the same shipped files into the store if it has not.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';

/**
 * Until the app installs the shipped sample on first open, this puts the same shipped files
 * (public/sample/cifar-10-sample/) into the dataset store, in its schema v1
 * layout: NHWC shards and the training split's per-channel mean and std (0..255).
 */
export async function installShippedSample(page: Page, name: string): Promise<void> {
  const files: Record<string, string> = {};
  for (const file of ['sample_data_batch.bin.gz', 'sample_test_batch.bin.gz']) {
    files[file] = readFileSync(`public/sample/cifar-10-sample/${file}`).toString('base64');
  }
  await page.evaluate(
    async ({ datasetName, files }) => {
      const read = async (file: string) => {
        const gz = Uint8Array.from(atob(files[file]!), (c) => c.charCodeAt(0));
        const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip'));
        const raw = new Uint8Array(await new Response(stream).arrayBuffer());
        const count = raw.length / 3073;
        const pixels = new Uint8Array(count * 3072);
        const labels = new Uint8Array(count);
        for (let i = 0; i < count; i++) {
          labels[i] = raw[i * 3073]!;
          for (let c = 0; c < 3; c++)
            for (let p = 0; p < 1024; p++)
              pixels[i * 3072 + p * 3 + c] = raw[i * 3073 + 1 + c * 1024 + p]!;
        }
        return { count, pixels, labels };
      };
      const train = await read('sample_data_batch.bin.gz');
      const test = await read('sample_test_batch.bin.gz');
      const sum = [0, 0, 0];
      const squares = [0, 0, 0];
      for (let i = 0; i < train.pixels.length; i++) {
        sum[i % 3]! += train.pixels[i]!;
        squares[i % 3]! += train.pixels[i]! ** 2;
      }
      const n = train.pixels.length / 3;
      const mean = sum.map((s) => s / n);
      const std = squares.map((s, c) => Math.sqrt(s / n - mean[c]! ** 2));
      const request = indexedDB.open('dmrnet-datasets', 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore('manifests', { keyPath: 'name' });
        db.createObjectStore('shards', { keyPath: ['storageId', 'split', 'index'] });
        db.createObjectStore('pending', { keyPath: 'storageId' });
        db.createObjectStore('meta');
      };
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const storageId = `${datasetName}#shipped`;
      const tx = db.transaction(['manifests', 'shards'], 'readwrite');
      const shards = tx.objectStore('shards');
      shards.put({ storageId, split: 'train', index: 0, ...train });
      shards.put({ storageId, split: 'test', index: 0, ...test });
      tx.objectStore('manifests').put({
        name: datasetName,
        storageId,
        kind: 'cifar10',
        source: 'sample/cifar-10-sample (shipped)',
        classes: 10,
        labelNames: [],
        splits: {
          train: { count: train.count, shardSizes: [train.count] },
          test: { count: test.count, shardSizes: [test.count] },
        },
        mean,
        std,
        checksum: '',
        bytes: train.pixels.length + test.pixels.length + train.count + test.count,
        createdAt: new Date().toISOString(),
        schemaVersion: 1,
      });
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { datasetName: name, files },
  );
}

/** True once the dataset store holds `name` (never creates the database itself). */
export async function sampleInstalled(page: Page, name: string): Promise<boolean> {
  return page.evaluate(async (datasetName) => {
    const dbs = await indexedDB.databases();
    if (!dbs.some((d) => d.name === 'dmrnet-datasets')) return false;
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('dmrnet-datasets');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    try {
      if (!db.objectStoreNames.contains('manifests')) return false;
      const found = await new Promise((resolve) => {
        const req = db.transaction('manifests').objectStore('manifests').get(datasetName);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => resolve(undefined);
      });
      return found !== undefined;
    } finally {
      db.close();
    }
  }, name);
}

/** Waits for the app to install the shipped sample; installs it itself if it does not. */
export async function waitForSample(page: Page, name: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (await sampleInstalled(page, name)) return;
    await page.waitForTimeout(1000);
  }
  await installShippedSample(page, name);
}
