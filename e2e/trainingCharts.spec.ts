/**
 * The training charts with two runs in them and no training: two PyTorch metrics files are
 * imported (finished runs of the page, not of the worker), so the curves are the same on every
 * machine. The live charts beside Start (loss, error) and the "More charts" section (learning
 * rate, images/s, Figure 6) each draw both runs, the run toggles hide and show one, and the
 * screenshots at 1366x768 are for looking at (E2E_SHOTS=<folder> also copies them there).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { openDrawer } from './startHelpers';

const HEADER = 'epoch,step,lr,train_loss,train_error,test_loss,test_error,images_per_sec,elapsed_s';

/** A train.py metrics.csv of `epochs` rows: loss and error fall, the lr steps down at half. */
function metricsCsv(epochs: number, scale: number): string {
  const rows = Array.from({ length: epochs }, (_, i) => {
    const e = i + 1;
    const lr = e <= epochs / 2 ? 0.1 : 0.01;
    const loss = (2.3 * scale) / (1 + 0.4 * i);
    const error = 0.9 / (1 + 0.25 * i * scale);
    return [e, e * 25, lr, loss, error, loss * 1.05, error + 0.03, 400 + 40 * scale, e * 12];
  });
  return [HEADER, ...rows.map((r) => r.join(','))].join('\n') + '\n';
}

async function importMetrics(page: Page, name: string, csv: string): Promise<void> {
  const panel = page.getByTestId('export-panel');
  await panel.getByLabel('Import PyTorch metrics (metrics.csv or metrics.json)').setInputFiles({
    name: `${name}.csv`,
    mimeType: 'text/csv',
    buffer: Buffer.from(csv),
  });
  await expect(panel.getByRole('status')).toContainText(`Imported "${name} (PyTorch)"`);
}

/** The chart's lines, one per series drawn. */
const lines = (chart: Locator) => chart.locator('.recharts-line-curve');

async function shot(target: Locator, file: string, outputPath: string) {
  await target.screenshot({ path: outputPath });
  const folder = process.env.E2E_SHOTS;
  if (folder) {
    mkdirSync(folder, { recursive: true });
    await target.screenshot({ path: join(folder, file) });
  }
}

test.use({ viewport: { width: 1366, height: 768 } });

test('the training charts draw two imported runs, live beside Start and in More charts', async ({
  page,
}, info) => {
  await page.goto('/');
  await openDrawer(page, 'Export');
  await importMetrics(page, 'wide', metricsCsv(8, 1));
  await importMetrics(page, 'deep', metricsCsv(6, 1.6));

  const loss = page.getByTestId('chart-loss');
  const error = page.getByTestId('chart-error');
  // Loss: one line per run; error: train and (dashed) test per run.
  await expect(lines(loss)).toHaveCount(2);
  await expect(lines(error)).toHaveCount(4);
  await expect(error.locator('.recharts-line-curve[stroke-dasharray]')).toHaveCount(2);
  const toggles = page.getByRole('group', { name: 'Runs in the charts' });
  await expect(toggles.getByRole('checkbox')).toHaveCount(2);
  const live = page.locator('.training-charts--live');
  await shot(live, 'charts-live.png', info.outputPath('charts-live.png'));

  const lr = page.getByTestId('chart-lr');
  const speed = page.getByTestId('chart-speed');
  await lr.scrollIntoViewIfNeeded();
  await expect(lines(lr)).toHaveCount(2);
  await expect(lines(speed)).toHaveCount(2);
  const more = page.locator('.training-charts--more');
  await shot(more, 'charts-more.png', info.outputPath('charts-more.png'));

  // Hiding a run takes its lines out of every chart, live and more alike.
  await toggles.getByRole('checkbox', { name: 'deep (PyTorch)' }).uncheck();
  await expect(lines(loss)).toHaveCount(1);
  await expect(lines(error)).toHaveCount(2);
  await expect(lines(lr)).toHaveCount(1);
  await expect(lines(speed)).toHaveCount(1);
  await toggles.getByRole('checkbox', { name: 'deep (PyTorch)' }).check();
  await expect(lines(loss)).toHaveCount(2);
});
