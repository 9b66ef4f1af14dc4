import { expect, test } from '@playwright/test';

test.describe('with --enable-unsafe-webgpu', () => {
  test('the worker picks WebGPU on the adapter it finds and the device check runs', async ({
    page,
  }) => {
    await page.goto('/');
    const badge = page.getByRole('status', { name: 'Training backend' });
    // Any adapter: SwiftShader ("WebGPU · software GPU: CPU speed (swiftshader)") on a machine
    // without a GPU, the GPU's own architecture or vendor on one with.
    await expect(badge).toHaveText(/^WebGPU( · \S.*)?$/);
    await expect(page.getByTestId('adapter')).toBeVisible();
    await page.getByRole('button', { name: 'Run device check' }).click();
    const result = page.getByTestId('device-check');
    await expect(result).toContainText('on WebGPU:');
    const text = (await result.textContent()) ?? '';
    const ms = Number(/: ([\d.]+) ms/.exec(text)?.[1]);
    expect(ms).toBeGreaterThan(0);
    const diff = Number(/vs CPU ([\d.e+-]+)\)/.exec(text)?.[1]);
    expect(diff).toBeLessThan(1e-3);
  });
});
