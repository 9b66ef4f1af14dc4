/**
 * Issue 16, item 2: the app tunes its convolution kernels on the adapter in use (here
 * SwiftShader's WebGPU), in the background between training steps; the device panel lists
 * every shape's candidates with their times and the choice; the choices are stored per
 * adapter, so after a reload a run on the same adapter times nothing again.
 */
import { expect, test, type Page } from '@playwright/test';
import { SAMPLE_DATASET_NAME } from '../src/model/datasetSources';
import { DEFAULT_HYPERPARAMETERS } from '../src/model/hyperparameters';
import { tinyClassroom } from '../src/model/presets';
import { encodeShareHash } from '../src/state/urlState';
import { openDrawer, pressStart } from './startHelpers';

test.setTimeout(480_000);

/** Width 4, batches of 8: 8 conv shapes, 16 passes, about 190 candidates in all. */
const URL = `/?test-hooks${encodeShareHash({
  spec: tinyClassroom({ width: 4 }),
  hyper: {
    ...DEFAULT_HYPERPARAMETERS,
    batchSize: 8,
    epochs: 400,
    trainLimit: 80,
    testLimit: 16,
    evalEverySteps: 0,
    seed: 7,
  },
})}`;
const PASSES = 16;

const panel = (page: Page) => page.locator('.training-panel');

/** The app ready to train: WebGPU up, the shipped sample installed. */
async function appReady(page: Page): Promise<void> {
  await expect(page.getByRole('status', { name: 'Training backend' })).toHaveText(/^WebGPU/, {
    timeout: 60_000,
  });
  await openDrawer(page, 'Datasets');
  await expect(page.getByTestId(`dataset-${SAMPLE_DATASET_NAME}`)).toBeVisible({
    timeout: 60_000,
  });
}

async function startRun(page: Page): Promise<void> {
  await panel(page).getByLabel('Dataset').selectOption(SAMPLE_DATASET_NAME);
  await pressStart(page);
  await expect(panel(page).getByTestId('run-status')).toHaveText('running', { timeout: 60_000 });
}

async function stepOf(page: Page): Promise<number> {
  const text = (await panel(page).getByTestId('run-step').textContent()) ?? '';
  return Number(/^(\d+)/.exec(text)?.[1] ?? NaN);
}

const timedCount = async (page: Page) =>
  Number(await page.getByTestId('kernel-timed-count').textContent());

test('a run tunes its kernels between steps, the device panel lists them, a reload reuses them', async ({
  page,
}) => {
  await page.goto(URL);
  await appReady(page);
  await openDrawer(page, 'Device');
  const status = page.getByTestId('kernel-status');
  await expect(page.getByTestId('kernel-adapter-key')).toContainText('kernels ');
  await startRun(page);
  // Every pass of every shape timed, in the background while the run goes on.
  await expect
    .poll(
      async () =>
        `${await status.textContent()} [run ${await panel(page).getByTestId('run-status').textContent()} at step ${await stepOf(page)}]`,
      { timeout: 400_000, intervals: [2000] },
    )
    .toContain(`${PASSES} passes chosen, 0 still to time`);
  console.log(`tuned: ${await status.textContent()} at step ${await stepOf(page)}`);
  const timed = await timedCount(page);
  expect(timed).toBeGreaterThanOrEqual(148); // every candidate, tfjs's forward included
  const rows = page.getByTestId('kernel-choice');
  await expect(rows).toHaveCount(PASSES);
  const first = rows.first();
  await expect(first).toContainText('8x32x32x3 k3 co4 s1');
  await expect(first).toContainText('timed now');
  await expect(first.locator('.kernel-candidates')).toContainText(/ours wg64 t4 p\d \d+\.\d ms/);
  await expect(page.getByTestId('kernel-choice-name').first()).toContainText(/ours wg\d+ t\d p\d/);
  // Every layout of ours gave bit-identical results on this adapter (≠ marks one that did not).
  const candidates = page.locator('.kernel-candidates > span');
  expect(await candidates.count()).toBeGreaterThanOrEqual(148);
  await expect(
    candidates.filter({ hasText: /ours wg\d+ t\d p\d( dw\d+x\d+)? [\d.]+ ms ≠/ }),
  ).toHaveCount(0);
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.getByRole('heading', { name: 'Convolution kernels' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('device-panel-tuned.png') });
  const stepAtTuned = await stepOf(page);
  expect(stepAtTuned).toBeGreaterThan(1); // training went on meanwhile
  await panel(page).getByRole('button', { name: 'Pause' }).click();
  await expect(panel(page).getByTestId('run-status')).toHaveText('paused', { timeout: 120_000 });

  // A reload: a new run of the same network on the same adapter takes the stored choices.
  await page.reload();
  await appReady(page);
  await openDrawer(page, 'Device');
  await startRun(page);
  await expect(status).toContainText(`${PASSES} passes chosen, 0 still to time`);
  await expect(rows).toHaveCount(PASSES);
  await expect(page.getByTestId('kernel-choice-name').filter({ hasText: 'cached' })).toHaveCount(
    PASSES,
  );
  const before = await stepOf(page);
  await expect.poll(() => stepOf(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(before + 3);
  expect(await timedCount(page)).toBe(0); // nothing timed again

  // Clear: back to the untuned layouts, nothing listed.
  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(status).toContainText('0 passes chosen, 0 still to time');
  await expect(rows).toHaveCount(0);
  await panel(page).getByRole('button', { name: 'Stop' }).click();
});
