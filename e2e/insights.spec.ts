/**
 * Issue #18 end to end: a tiny run on the shipped CIFAR-10 sample (400 test images, 40 per
 * class) in real Chromium with WebGPU on SwiftShader, the app's own worker and IndexedDB. At
 * each test pass the worker sends the confusion matrix and the grid's predictions; the
 * insights panel shows them, a reload keeps them, and the CSV and PNG downloads hold them.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { SAMPLE_DATASET_NAME } from '../src/model/datasetSources';
import { tinyClassroom } from '../src/model/presets';
import type { RunHistory } from '../src/protocol/training';
import { encodeShareHash } from '../src/state/urlState';
import { DEFAULT_HYPERPARAMETERS } from '../src/model/hyperparameters';
import { waitForSample } from './playgroundSample';
import { pressStart } from './startHelpers';

test.setTimeout(420_000);

const TEST_IMAGES = 400;
const PER_CLASS = 40;

function runUrl(): string {
  const share = encodeShareHash({
    spec: tinyClassroom({ width: 4 }),
    hyper: {
      ...DEFAULT_HYPERPARAMETERS,
      batchSize: 8,
      epochs: 2,
      trainLimit: 40, // 5 steps an epoch: test passes at steps 5 and 10
      testLimit: 0, // all 400 sample test images
      evalEverySteps: 0,
      seed: 3,
    },
  });
  return `/${share}`;
}

const training = (page: Page) => page.locator('.training-panel');
const insights = (page: Page) => page.getByTestId('insights-panel');

/** The matrix the panel shows, from its cells' counts (row = true class). */
async function shownMatrix(matrix: Locator): Promise<number[][]> {
  return matrix.locator('td').evaluateAll((cells) => {
    const rows: number[][] = [];
    for (const cell of cells as HTMLElement[]) {
      const t = Number(cell.dataset.true);
      const p = Number(cell.dataset.predicted);
      (rows[t] ??= [])[p] = Number(cell.dataset.count);
    }
    return rows;
  });
}

async function shownGrid(page: Page): Promise<{ t: number; p: number; wrong: boolean }[]> {
  return insights(page)
    .getByTestId('grid-cell')
    .evaluateAll((cells) =>
      (cells as HTMLElement[]).map((c) => ({
        t: Number(c.dataset.true),
        p: Number(c.dataset.predicted),
        wrong: c.dataset.wrong === 'true',
      })),
    );
}

/** The run's record in IndexedDB "dmrnet-runs". */
async function storedHistory(page: Page, runId: string): Promise<RunHistory> {
  return page.evaluate(async (id) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('dmrnet-runs');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const record = await new Promise<{ history: RunHistory }>((resolve, reject) => {
      const req = db.transaction('runs').objectStore('runs').get(id);
      req.onsuccess = () => resolve(req.result as { history: RunHistory });
      req.onerror = () => reject(req.error);
    });
    db.close();
    return record.history;
  }, runId);
}

test('a run on the sample: the matrix adds up to the test pass, the grid agrees, a reload keeps them', async ({
  page,
}) => {
  await page.goto(runUrl());
  await expect(page.getByRole('status', { name: 'Training backend' })).toHaveText(/^WebGPU/, {
    timeout: 60_000,
  });
  await waitForSample(page, SAMPLE_DATASET_NAME);
  await expect(insights(page).getByTestId('insights-empty')).toBeVisible();

  await training(page).getByLabel('Dataset').selectOption(SAMPLE_DATASET_NAME);
  await pressStart(page);
  await expect(training(page).locator('[data-testid^="select-run-"]')).toHaveCount(1);
  const runId = (await training(page).getByTestId('training-run').getAttribute('data-run-id'))!;
  expect(runId).toMatch(/^\S+$/);
  await expect(training(page).getByTestId('run-status')).toHaveText('finished', {
    timeout: 300_000,
  });

  // The newest pass (step 10), as the panel shows it.
  const summary = insights(page).getByTestId('insight-summary');
  await expect(summary).toHaveAttribute('data-step', '10');
  const history = await storedHistory(page, runId);
  expect(history.test.map((p) => p.step)).toEqual([5, 10]);
  const lastPass = history.test.at(-1)!;
  const matrix = insights(page).getByTestId('confusion-matrix');
  const m = await shownMatrix(matrix);
  expect(m).toHaveLength(10);

  // Row sums: the test images of each class (the sample has 40 of each).
  expect(m.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(new Array(10).fill(PER_CLASS));
  // Off the diagonal: the pass's test error times the test images.
  const offDiagonal = m.flat().reduce((a, b) => a + b, 0) - m.reduce((a, row, c) => a + row[c]!, 0);
  expect(offDiagonal).toBe(Math.round(lastPass.error * TEST_IMAGES));
  expect(Number(await summary.getAttribute('data-wrong'))).toBe(offDiagonal);
  expect(Number(await summary.getAttribute('data-images'))).toBe(TEST_IMAGES);
  // The stored matrix is the one shown.
  expect(Array.from(lastPass.insight!.confusion)).toEqual(m.flat());

  // The grid: 4 images of each class; every one marked wrong has a nonzero (true, predicted) cell.
  const grid = await shownGrid(page);
  expect(grid).toHaveLength(40);
  for (let c = 0; c < 10; c++) expect(grid.filter((g) => g.t === c)).toHaveLength(4);
  const wrong = grid.filter((g) => g.wrong);
  expect(wrong.length).toBeGreaterThan(0); // ten steps of a tiny network get some wrong
  for (const g of wrong) {
    expect(g.p).not.toBe(g.t);
    expect(m[g.t]![g.p]).toBeGreaterThan(0);
  }
  for (const g of grid.filter((x) => !x.wrong)) expect(g.p).toBe(g.t);
  // The first four images of each class in the test split's stored order.
  expect(Array.from(history.grid!.indices)).toEqual(
    [...history.grid!.indices].sort((a, b) => a - b),
  );
  expect(history.grid!.classNames[0]).toBe('airplane');

  // The step slider replays the first pass.
  const slider = insights(page).getByRole('slider', { name: /Test pass/ });
  await slider.fill('0');
  await expect(summary).toHaveAttribute('data-step', '5');
  const first = await shownMatrix(matrix);
  expect(first.flat()).toEqual(Array.from(history.test[0]!.insight!.confusion));
  await slider.fill('1');
  await expect(summary).toHaveAttribute('data-step', '10');

  // Downloads: the matrix and per-class error as CSV, the pass as a PNG.
  const csvDownload = page.waitForEvent('download');
  await insights(page).getByRole('button', { name: 'Matrix CSV' }).click();
  const csv = await readFile((await (await csvDownload).path())!, 'utf8');
  const csvRows = csv.trim().split('\r\n').slice(1);
  expect(csvRows.map((r) => r.split(',').slice(1).map(Number))).toEqual(m);
  const errorDownload = page.waitForEvent('download');
  await insights(page).getByRole('button', { name: 'Per-class error CSV' }).click();
  const errors = await readFile((await (await errorDownload).path())!, 'utf8');
  expect(errors.split('\r\n')[1]).toMatch(/^airplane,40,\d+,/);
  const pngDownload = page.waitForEvent('download');
  await insights(page).getByRole('button', { name: 'PNG' }).click();
  const png = await readFile((await (await pngDownload).path())!);
  expect([...png.subarray(1, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('PNG');

  const shot = test.info().outputPath('insights-panel.png');
  await insights(page).screenshot({ path: shot });
  await test.info().attach('insights panel', { path: shot, contentType: 'image/png' });

  // A reload shows the same matrix and grid, from the stored run.
  await page.reload();
  await expect(summary).toHaveAttribute('data-step', '10', { timeout: 60_000 });
  expect(await shownMatrix(matrix)).toEqual(m);
  expect(await shownGrid(page)).toEqual(grid);

  // A second run (another seed) beside the first: two matrices on the same grid images, and
  // the classes where their errors differ most.
  await page.getByRole('form', { name: 'Hyperparameters' }).getByLabel('Seed').fill('4');
  await pressStart(page);
  await expect(training(page).locator('[data-testid^="select-run-"]')).toHaveCount(2);
  await expect(training(page).getByTestId('run-status')).toHaveText('finished', {
    timeout: 300_000,
  });
  await insights(page).getByLabel('Compare with').selectOption(runId);
  await expect(insights(page).getByTestId('confusion-matrix')).toHaveCount(2);
  await expect(insights(page).getByTestId('prediction-grid')).toHaveCount(2);
  await expect(insights(page).getByTestId('insight-differences').locator('li')).toHaveCount(5);
  const second = await shownMatrix(insights(page).getByTestId('confusion-matrix').nth(1));
  expect(second).toEqual(m); // the first run, at the pass of the same step (10)
});
