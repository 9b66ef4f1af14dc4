/**
 * Issue 19, item 4: a GPU device lost in the first step or two of a run, or again just after
 * a recovery, failed the run with WebGPU's raw words ("Failed to execute 'mapAsync' on
 * 'GPUBuffer': Buffer was unmapped before mapping was resolved."). Real Chromium, WebGPU on
 * SwiftShader, the app's worker and the shipped sample; the `?test-hooks` hook destroys the
 * worker's device as a driver reset would. Every loss must recover: from the last checkpoint,
 * or from step 0 with a message where there is none yet.
 */
import { expect, test, type Page } from '@playwright/test';
import { SAMPLE_DATASET_NAME } from '../src/model/datasetSources';
import type { RunHistory } from '../src/protocol/training';
import { openDrawer, pressStart } from './startHelpers';
import { tinyRunUrl } from './tinyRun';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);
const LONG = { timeout: 180_000 };

/** 24 training images in batches of 8: 3 steps an epoch, 3 epochs, a checkpoint each. */
async function openApp(page: Page): Promise<void> {
  await page.goto(tinyRunUrl({ epochs: 3, trainLimit: 24 }));
  await expect(page.getByRole('status', { name: 'Training backend' })).toHaveText(/^WebGPU/, {
    timeout: 60_000,
  });
  await openDrawer(page, 'Datasets');
  await expect(page.getByRole('row', { name: new RegExp(SAMPLE_DATASET_NAME) })).toBeVisible({
    timeout: 60_000,
  });
}

const panel = (page: Page) => page.locator('.training-panel');

async function startRun(page: Page): Promise<string> {
  await panel(page).getByLabel('Dataset').selectOption(SAMPLE_DATASET_NAME);
  await pressStart(page);
  const run = panel(page).getByTestId('training-run');
  await expect(run).toHaveAttribute('data-run-id', /^\S+$/);
  return (await run.getAttribute('data-run-id'))!;
}

async function stepOf(page: Page): Promise<number> {
  const text = (await panel(page).getByTestId('run-step').textContent()) ?? '';
  return Number(/^(\d+)/.exec(text)?.[1] ?? NaN);
}

async function destroyDevice(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const hooks = (globalThis as { __dmrnetTest?: { destroyDevice(): Promise<unknown> } })
      .__dmrnetTest;
    await hooks!.destroyDevice();
  });
}

async function testSteps(page: Page, runId: string): Promise<number[]> {
  return page.evaluate(async (id) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('dmrnet-runs');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const store = 'runs';
    const record = await new Promise<{ history: RunHistory } | undefined>((resolve) => {
      const req = db.transaction(store).objectStore(store).get(id);
      req.onsuccess = () => resolve(req.result as { history: RunHistory } | undefined);
      req.onerror = () => resolve(undefined);
    });
    db.close();
    return record?.history.test.map((p) => p.step) ?? [];
  }, runId);
}

/** The run ends finished, with all its evaluations, and WebGPU's raw words never showed. */
async function expectFinished(page: Page, runId: string): Promise<void> {
  await expect(panel(page).getByTestId('run-status')).toHaveText('finished', { timeout: 240_000 });
  expect(await testSteps(page, runId)).toEqual([3, 6, 9]);
  await expect(page.locator('body')).not.toContainText('mapAsync');
  await expect(page.locator('body')).not.toContainText('Training stopped with an error');
}

for (const at of [0, 1]) {
  test(`a device lost at step ${at}, before any checkpoint, restarts the run with a message`, async ({
    page,
  }) => {
    await openApp(page);
    const id = await startRun(page);
    if (at > 0) await expect.poll(() => stepOf(page), LONG).toBeGreaterThanOrEqual(at);
    expect(await stepOf(page)).toBeLessThan(3); // no checkpoint yet (the first is at step 3)
    await destroyDevice(page);
    await expect(panel(page).getByTestId('training-notice')).toContainText(
      'GPU device was lost',
      LONG,
    );
    await expect(panel(page).getByTestId('run-message')).toContainText(
      "before the run's first checkpoint: it started again from step 0.",
      LONG,
    );
    await expectFinished(page, id);
  });
}

test('a device lost twice in a row, the second time during the recovery, recovers', async ({
  page,
}) => {
  await openApp(page);
  const id = await startRun(page);
  await expect(panel(page).getByTestId('run-checkpoint')).toHaveText('step 3', LONG);
  await destroyDevice(page);
  // The notice comes when the new device is up, before the run is reloaded onto it: the
  // second loss lands in the recovery (or just after it).
  await expect(panel(page).getByTestId('training-notice')).toContainText(
    'GPU device was lost',
    LONG,
  );
  await destroyDevice(page);
  await expect(panel(page).getByTestId('run-message')).toContainText(
    'the run went back to its checkpoint at step',
    LONG,
  );
  await expectFinished(page, id);
});
