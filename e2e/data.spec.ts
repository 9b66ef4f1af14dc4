/**
 * Real CIFAR in real IndexedDB: the shipped sample installs on first open, a .bin file
 * imports by upload, the datasets survive a reload, and bad files give clear messages.
 */
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openDrawer } from './startHelpers';

const SAMPLE = 'CIFAR-10 sample';
const RECORD = 3073;

/** The first `count` real records of the shipped sample, in the official binary layout. */
function sampleRecords(count: number): Buffer {
  const raw = gunzipSync(readFileSync('public/sample/cifar-10-sample/sample_test_batch.bin.gz'));
  return raw.subarray(0, count * RECORD);
}

async function waitForSample(page: Page): Promise<void> {
  await openDrawer(page, 'Datasets');
  await expect(page.getByRole('row', { name: new RegExp(SAMPLE) })).toBeVisible({
    timeout: 60_000,
  });
}

test('the shipped sample is installed on first open and previewed', async ({ page }) => {
  await page.goto('/');
  await waitForSample(page);
  const row = page.getByRole('row', { name: new RegExp(SAMPLE) });
  await expect(row).toContainText(/\d[\d,]* \/ \d[\d,]*/);
  await page.getByRole('button', { name: `Preview ${SAMPLE}` }).click();
  const grid = page.getByTestId('dataset-preview');
  await expect(grid.getByRole('img')).toHaveCount(40);
  // Labels are CIFAR-10 class names.
  await expect(grid.locator('figcaption').first()).toHaveText(
    /^(airplane|automobile|bird|cat|deer|dog|frog|horse|ship|truck)$/,
  );
});

test('a .bin file imports by upload and survives a reload', async ({ page }) => {
  await page.goto('/');
  await waitForSample(page);
  await page.getByLabel(/Import files/).setInputFiles({
    name: 'test_batch.bin',
    mimeType: 'application/octet-stream',
    buffer: sampleRecords(200),
  });
  await expect(page.getByTestId('import-message')).toContainText('200 images');
  const row = page.getByRole('row', { name: /^test_batch/ });
  await expect(row).toContainText('0 / 200');
  await page.reload();
  await openDrawer(page, 'Datasets');
  await expect(page.getByRole('row', { name: /^test_batch/ })).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(SAMPLE) })).toBeVisible();
});

test('bad files give a clear message and store nothing', async ({ page }) => {
  await page.goto('/');
  await waitForSample(page);
  const before = await page
    .getByRole('table', { name: 'Stored datasets' })
    .locator('tbody tr')
    .count();
  const upload = page.getByLabel(/Import files/);

  await upload.setInputFiles({
    name: 'empty.bin',
    mimeType: 'application/octet-stream',
    buffer: Buffer.alloc(0),
  });
  await expect(page.getByRole('alert')).toContainText(/empty/i);

  // A truncated last record: 2 records and a half.
  await upload.setInputFiles({
    name: 'data_batch_1.bin',
    mimeType: 'application/octet-stream',
    buffer: sampleRecords(3).subarray(0, 2 * RECORD + 100),
  });
  await expect(page.getByRole('alert')).toContainText(/record|size|truncat/i);

  await upload.setInputFiles({
    name: 'x.bin.gz',
    mimeType: 'application/gzip',
    buffer: Buffer.from('not gzip at all'),
  });
  await expect(page.getByRole('alert')).toContainText(/gzip|format|recogni/i);

  await expect(
    page.getByRole('table', { name: 'Stored datasets' }).locator('tbody tr'),
  ).toHaveCount(before);
});
