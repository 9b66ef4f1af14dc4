import { expect, test } from '@playwright/test';
import { openDrawer } from './startHelpers';

test.describe('with --enable-unsafe-webgpu', () => {
  test('the worker picks WebGPU on the adapter it finds and the device check runs', async ({
    page,
  }) => {
    await page.goto('/');
    const badge = page.getByRole('status', { name: 'Training backend' });
    // Any adapter: SwiftShader ("WebGPU · software GPU: CPU speed (swiftshader)") on a machine
    // without a GPU, the GPU's own architecture or vendor on one with.
    await expect(badge).toHaveText(/^WebGPU( · \S.*)?$/);
    await openDrawer(page, 'Device');
    await expect(page.getByTestId('adapter')).toBeVisible();
    await page.getByRole('button', { name: 'Run device check' }).click();
    const result = page.getByTestId('device-check');
    // The device measurement for the estimates runs at start-up on the same GPU queue.
    await expect(result).toContainText('on WebGPU:', { timeout: 90_000 });
    const text = (await result.textContent()) ?? '';
    const ms = Number(/: ([\d.]+) ms/.exec(text)?.[1]);
    expect(ms).toBeGreaterThan(0);
    const diff = Number(/vs CPU ([\d.e+-]+)\)/.exec(text)?.[1]);
    expect(diff).toBeLessThan(1e-3);
    // The panel's tensor count comes from the worker's tf.memory().
    await page.getByRole('button', { name: 'Count tensors' }).click();
    await expect(page.getByTestId('tensor-count')).toHaveText(/^\d+ tensors, \d+\.\d MiB$/);
  });
});
