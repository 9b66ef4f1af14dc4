import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page, type TestInfo } from '@playwright/test';

/** axe-core on the page as it is now: no serious or critical violations (the rest printed). */
async function scan(page: Page, info: TestInfo, name: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  await info.attach(`axe-${name}.json`, {
    body: JSON.stringify(results.violations, null, 2),
    contentType: 'application/json',
  });
  for (const v of results.violations) {
    console.log(
      `[axe ${name}] ${v.impact ?? 'unknown'}: ${v.id} (${v.nodes.length} nodes) ${v.help}`,
    );
  }
  const blocking = results.violations.filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
  expect(
    blocking.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    `serious or critical accessibility violations on ${name}`,
  ).toEqual([]);
}

test('the playground and classroom mode pass axe-core without serious or critical violations', async ({
  page,
}, info) => {
  await page.goto('/');
  await expect(page.getByRole('status', { name: 'Training backend' })).toHaveText(
    /WebGPU|WebGL|CPU/,
    {
      timeout: 60_000,
    },
  );
  await expect(page.getByTestId('stat-params')).toBeVisible();
  await scan(page, info, 'playground');
  // A large network with a collapsed run expanded, and a refused edit's message.
  await page.getByRole('slider', { name: /^L \(plain depth/ }).fill('54');
  await page.getByTestId('collapsed-run').first().click();
  await page.getByRole('button', { name: /block 1 of stage 3. Alt/ }).focus();
  await page.keyboard.press('Enter');
  await scan(page, info, 'playground-L54');
  await page.getByRole('button', { name: 'Classroom mode' }).click();
  await scan(page, info, 'classroom');
  await page.getByRole('tab', { name: /M\^n = M/ }).click();
  await scan(page, info, 'classroom-matrix');
});
