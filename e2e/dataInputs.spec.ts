/**
 * Hostile and clumsy dataset inputs in the real app, real import worker and real IndexedDB
 * (issue #19 items 2, 5, 6, 7; issue #15 item 5): forged .mat sizes are refused at once and
 * leave the importer usable, Cancel ends an import and leaves nothing, a reload mid-import
 * leaves no shards after the next open, a URL that answers a web page is named as such, and a
 * long file name is shortened, a typed name used.
 */
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { writeMat } from '../src/data/testing/matWriter';
import { openDrawer } from './startHelpers';

const SAMPLE = 'CIFAR-10 sample';
const RECORD = 3073;

function sampleRecords(count: number): Buffer {
  const raw = gunzipSync(readFileSync('public/sample/cifar-10-sample/sample_test_batch.bin.gz'));
  return raw.subarray(0, count * RECORD);
}

async function openApp(page: Page): Promise<void> {
  await page.goto('/');
  await openDrawer(page, 'Datasets');
  await expect(page.getByRole('row', { name: new RegExp(SAMPLE) })).toBeVisible({
    timeout: 60_000,
  });
}

/** What the dataset database holds beyond the datasets' own shards. */
async function leftovers(page: Page): Promise<{ pending: number; orphanShards: number }> {
  return page.evaluate(
    () =>
      new Promise<{ pending: number; orphanShards: number }>((resolve, reject) => {
        const open = indexedDB.open('dmrnet-datasets');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['manifests', 'shards', 'pending'], 'readonly');
          const manifests = tx.objectStore('manifests').getAll();
          const keys = tx.objectStore('shards').getAllKeys();
          const pending = tx.objectStore('pending').count();
          tx.oncomplete = () => {
            const live = new Set(
              (manifests.result as { storageId: string }[]).map((m) => m.storageId),
            );
            const orphanShards = (keys.result as [string][]).filter((k) => !live.has(k[0])).length;
            db.close();
            resolve({ pending: pending.result, orphanShards });
          };
        };
      }),
  );
}

/**
 * Hands the file input a large valid CIFAR-10 file made in the page (`repeats` copies of 1,000
 * real records, 3 MB each), so that an import runs long enough to be cancelled or reloaded.
 */
async function chooseLargeFile(page: Page, repeats: number): Promise<void> {
  const records = sampleRecords(1000).toString('base64');
  await page.getByLabel(/Import files/).evaluate(
    (input, { records, repeats }) => {
      const bytes = Uint8Array.from(atob(records), (c) => c.charCodeAt(0));
      const file = new File(new Array<BlobPart>(repeats).fill(bytes), 'data_batch_1.bin');
      const transfer = new DataTransfer();
      transfer.items.add(file);
      (input as HTMLInputElement).files = transfer.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
    },
    { records, repeats },
  );
}

test('forged .mat sizes are refused at once and the importer stays usable', async ({ page }) => {
  await openApp(page);
  const upload = page.getByLabel(/Import files/);
  const forged = [
    // The header claims 3,000,000 images; the file holds data for 11 (35 KB).
    { claimed: 3_000_000, present: 11, message: /declares \[32, 32, 3, 3000000\]/ },
    // Claims 10 images, holds data for 2.
    { claimed: 10, present: 2, message: /declares \[32, 32, 3, 10\]/ },
  ];
  for (const { claimed, present, message } of forged) {
    const bytes = writeMat(
      [
        { name: 'X', dims: [32, 32, 3, claimed], data: new Uint8Array(present * 3072) },
        { name: 'y', dims: [claimed, 1], data: new Float64Array(present).fill(1) },
      ],
      false,
    );
    const started = Date.now();
    await upload.setInputFiles({
      name: 'train_32x32.mat',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(bytes),
    });
    await expect(page.getByRole('alert')).toContainText(message);
    test.info().annotations.push({
      type: 'forged .mat refused',
      description: `${claimed} claimed, ${bytes.byteLength} bytes: message after ${Date.now() - started} ms`,
    });
  }
  // Not wedged: the next import runs (it once said "An import is already running").
  await upload.setInputFiles({
    name: 'test_batch.bin',
    mimeType: 'application/octet-stream',
    buffer: sampleRecords(50),
  });
  await expect(page.getByTestId('import-message')).toContainText('50 images');
  expect(await leftovers(page)).toEqual({ pending: 0, orphanShards: 0 });
});

test('Cancel ends an import and leaves nothing behind', async ({ page }) => {
  await openApp(page);
  const rows = page.getByRole('table', { name: 'Stored datasets' }).locator('tbody tr');
  const before = await rows.count();
  await chooseLargeFile(page, 120);
  const progress = page.getByTestId('import-progress');
  await expect(progress).toContainText(/[1-9][\d,]* images/);
  await page.getByRole('button', { name: 'Cancel import' }).click();
  await expect(page.getByRole('alert')).toContainText(/cancelled/i);
  await expect(progress).toBeHidden();
  await expect(rows).toHaveCount(before);
  await expect.poll(() => leftovers(page)).toEqual({ pending: 0, orphanShards: 0 });
});

test('a reload mid-import leaves no shards after the next open', async ({ page }) => {
  await openApp(page);
  await chooseLargeFile(page, 120);
  // Several shards (2,500 images each) stored under the pending record.
  await expect(page.getByTestId('import-progress')).toContainText(/([1-9]\d|[5-9]),\d{3} images/, {
    timeout: 60_000,
  });
  // Shards are written behind the decoding (the progress counts decoded images): wait until
  // some are stored under the pending record, the import still running.
  await expect
    .poll(
      async () => {
        const during = await leftovers(page);
        return during.pending === 1 && during.orphanShards > 0;
      },
      { intervals: [50] },
    )
    .toBe(true);
  await page.reload();
  await openDrawer(page, 'Datasets');
  await expect(page.getByRole('row', { name: new RegExp(SAMPLE) })).toBeVisible();
  await expect.poll(() => leftovers(page)).toEqual({ pending: 0, orphanShards: 0 });
  await expect(page.getByRole('row', { name: /^data_batch_1/ })).toHaveCount(0);
});

test('an import that makes no progress is ended by the watchdog and leaves nothing', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await openApp(page);
  // A server that never answers: the import worker waits on fetch with no progress.
  await page.context().route('**/stalled/data_batch_1.bin', () => undefined);
  await page
    .getByLabel(/Import from URL/)
    .fill(new URL('/stalled/data_batch_1.bin', page.url()).href);
  await page.getByRole('button', { name: 'Import URL' }).click();
  await expect(page.getByTestId('import-progress')).toBeVisible();
  expect((await leftovers(page)).pending).toBe(1);
  await expect(page.getByTestId('import-progress')).toContainText(/no progress for \d+ s/, {
    timeout: 20_000,
  });
  await expect(page.getByRole('alert')).toContainText('made no progress for 30 s and was ended', {
    timeout: 60_000,
  });
  // The fresh worker collected the ended one's pending record.
  await expect.poll(() => leftovers(page)).toEqual({ pending: 0, orphanShards: 0 });
  await page.getByLabel(/Import files/).setInputFiles({
    name: 'test_batch.bin',
    mimeType: 'application/octet-stream',
    buffer: sampleRecords(40),
  });
  await expect(page.getByTestId('import-message')).toContainText('40 images');
});

test('a URL that answers a web page is named as such', async ({ page }) => {
  await openApp(page);
  // The preview server answers an unknown path with the app's index.html, status 200.
  await page
    .getByLabel(/Import from URL/)
    .fill(new URL('/no/such/data_batch_1.bin', page.url()).href);
  await page.getByRole('button', { name: 'Import URL' }).click();
  await expect(page.getByRole('alert')).toContainText(
    'this URL returned a web page, not a dataset',
  );
});

test('a long file name is shortened and a typed name is used', async ({ page }) => {
  await openApp(page);
  const upload = page.getByLabel(/Import files/);
  const longName = `${'cifar-ten-records-exported-from-the-lab-archive-'.repeat(3)}test_batch.bin`;
  expect(longName.length).toBeGreaterThan(80);
  await upload.setInputFiles({
    name: longName,
    mimeType: 'application/octet-stream',
    buffer: sampleRecords(20),
  });
  await expect(page.getByTestId('import-message')).toContainText('20 images');
  const row = page.getByRole('row', { name: /^cifar-ten-records-exported.*….*test_batch/ });
  await expect(row).toBeVisible();

  await page.getByLabel('Dataset name').fill('My own name');
  await upload.setInputFiles({
    name: 'test_batch.bin',
    mimeType: 'application/octet-stream',
    buffer: sampleRecords(30),
  });
  await expect(page.getByRole('row', { name: /^My own name/ })).toContainText('0 / 30');
});
