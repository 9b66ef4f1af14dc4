import { expect, test } from '@playwright/test';
import { BASE_CHROMIUM_ARGS, chromiumPath } from '../playwright.config';
import { openDrawer } from './startHelpers';

// Without --enable-unsafe-webgpu, requestAdapter() returns null: the worker must fall back.
test.use({ launchOptions: { executablePath: chromiumPath(), args: BASE_CHROMIUM_ARGS } });

test('the page shows the fallback and why, and the device check still runs', async ({ page }) => {
  await page.goto('/');
  const badge = page.getByRole('status', { name: 'Training backend' });
  await expect(badge).toHaveText(/^(WebGL|CPU): WebGPU unavailable: .+/);
  await openDrawer(page, 'Device');
  await expect(page.getByTestId('refused-webgpu')).toContainText('no WebGPU adapter');
  await page.getByRole('button', { name: 'Run device check' }).click();
  await expect(page.getByTestId('device-check')).toContainText(/on (WebGL|CPU): [\d.]+ ms/);
});

test('?backend=cpu forces the CPU backend', async ({ page }) => {
  await page.goto('/?backend=cpu');
  await expect(page.getByTestId('backend-name')).toHaveText('CPU');
});
