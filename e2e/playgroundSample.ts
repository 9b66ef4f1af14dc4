/**
 * The shipped CIFAR-10 sample for the playground's e2e runs: the app installs it by itself on
 * first open (the dataset panel's ensureSampleInstalled); these helpers wait for that.
 */
import { expect, type Page } from '@playwright/test';

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

/** Waits for the app to install the shipped sample on first open (it fetches and imports it). */
export async function waitForSample(page: Page, name: string): Promise<void> {
  await expect
    .poll(() => sampleInstalled(page, name), {
      message: `the app installs the shipped sample "${name}" on first open`,
      timeout: 90_000,
      intervals: [500, 1000],
    })
    .toBe(true);
}
