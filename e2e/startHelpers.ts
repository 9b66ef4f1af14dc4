/**
 * The playground's first screen and its drawers, for the e2e tests: details (datasets, export,
 * device, the explainer) are tabs one click away, and Start may ask first (the Start dialog,
 * when this device would keep the first chart point over half a minute away).
 */
import { expect, type Page } from '@playwright/test';

/** Opens a drawer of the details tabs ("Datasets", "Export", "Device", "What am I looking at?"). */
export async function openDrawer(page: Page, name: string): Promise<void> {
  const tab = page.getByRole('tab', { name });
  if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
}

/**
 * Presses Start run in the training panel; when the Start dialog asks, answers with `answer`
 * ("configured": the run as the form says; "quick": the dialog's first offer). Returns whether
 * the dialog was shown.
 */
export async function pressStart(
  page: Page,
  answer: 'configured' | 'quick' = 'configured',
): Promise<boolean> {
  await page.locator('.training-panel').getByRole('button', { name: 'Start run' }).click();
  const dialog = page.getByTestId('start-dialog');
  const asked = await dialog
    .waitFor({ state: 'visible', timeout: 1500 })
    .then(() => true)
    .catch(() => false);
  if (asked) {
    await dialog.getByTestId(answer === 'quick' ? 'start-quick' : 'start-configured').click();
    await expect(dialog).toBeHidden();
  }
  return asked;
}
