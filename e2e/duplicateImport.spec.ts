/**
 * Issue 14: a duplicate import is recognised by its images' content checksum and offered as the
 * existing dataset, with no second copy stored (real IndexedDB, real import worker).
 */
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { openDrawer } from './startHelpers';

const SAMPLE = 'CIFAR-10 sample';
const RECORD = 3073;

/** The first `count` real records of the shipped sample's test batch (official layout). */
function sampleRecords(count: number): Buffer {
  const raw = gunzipSync(readFileSync('public/sample/cifar-10-sample/sample_test_batch.bin.gz'));
  return raw.subarray(0, count * RECORD);
}

test('importing the same images twice offers the stored dataset instead of a copy', async ({
  page,
}, info) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto('/');
  await openDrawer(page, 'Datasets');
  await expect(page.getByRole('row', { name: new RegExp(SAMPLE) })).toBeVisible({
    timeout: 60_000,
  });
  const upload = page.getByLabel(/Import files/);
  const file = {
    name: 'test_batch.bin',
    mimeType: 'application/octet-stream',
    buffer: sampleRecords(120),
  };
  await upload.setInputFiles(file);
  const message = page.getByTestId('import-message');
  await expect(message).toContainText('120 images');
  const rows = page.getByRole('row', { name: /^test_batch/ });
  await expect(rows).toHaveCount(1);

  // The same bytes again, under another file name: recognised, nothing new stored.
  await upload.setInputFiles({ ...file, name: 'my copy of test_batch.bin' });
  await expect(message).toContainText('same images as "test_batch"', { timeout: 60_000 });
  await expect(message).toContainText('nothing new was stored');
  await expect(page.getByRole('row', { name: /copy/ })).toHaveCount(0);
  await expect(rows).toHaveCount(1);
  const use = page.getByTestId('use-existing-dataset');
  await expect(use).toHaveText('Train on “test_batch”');
  await page.screenshot({ path: info.outputPath('duplicate-import.png') });
  await use.click();
  await expect(page.getByTestId('training-dataset')).toHaveValue('test_batch');

  // Other images (one record fewer) are a dataset of their own.
  await upload.setInputFiles({ ...file, name: 'test_batch.bin', buffer: sampleRecords(119) });
  await expect(message).toContainText('119 images');
  await expect(page.getByRole('row', { name: /^test_batch/ })).toHaveCount(2);
});
