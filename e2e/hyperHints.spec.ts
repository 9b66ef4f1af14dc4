/**
 * Issue 14: every hyperparameter's help is visible text (not only a tooltip), readable at
 * 1366x768, and the first screen (network controls, Start, live charts) is unchanged.
 */
import { expect, test } from '@playwright/test';
import { HYPER_HINTS } from '../src/ui/hyper/hyperHints';

test.use({ viewport: { width: 1366, height: 768 } });

test('hyperparameter hints are visible under their fields at 1366x768', async ({ page }, info) => {
  await page.goto('/');
  await expect(page.getByRole('status', { name: 'Training backend' })).toHaveText(
    /WebGPU|WebGL|CPU/,
    { timeout: 60_000 },
  );
  // The first screen still holds Start and the live loss chart without scrolling.
  for (const id of ['start-run', 'chart-loss']) {
    const box = (await page.getByTestId(id).boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(768);
  }
  const form = page.getByRole('form', { name: 'Hyperparameters' });
  await form.scrollIntoViewIfNeeded();
  for (const [key, text] of Object.entries(HYPER_HINTS)) {
    const hint = form.getByTestId(`hint-${key}`);
    await expect(hint).toBeVisible();
    await expect(hint).toHaveText(text);
    // Readable: not clipped, at a size a person reads, inside the viewport's width.
    const box = (await hint.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(1366);
    const size = await hint.evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    expect(size).toBeGreaterThanOrEqual(12);
  }
  // Each hint describes its field for assistive technology too.
  await expect(form.getByLabel('Learning rate')).toHaveAccessibleDescription(
    HYPER_HINTS.learningRate,
  );
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366);
  await form.screenshot({ path: info.outputPath('hyper-hints.png') });
  await page.screenshot({ path: info.outputPath('first-screen.png') });
});
