/**
 * The playground's first screen (issue 14): at 1366x768 the network controls, Start, the live
 * loss and error charts and the key counts are on screen together without scrolling; at phone
 * width nothing overflows. Also: the estimate follows L, run colours stay when other runs are
 * hidden, and Figure 3's export saves the chart (with its title), not a legend icon.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { openDrawer } from './startHelpers';

async function onScreen(page: Page, target: Locator): Promise<boolean> {
  const box = await target.boundingBox();
  const vp = page.viewportSize()!;
  return (
    !!box &&
    box.x >= 0 &&
    box.y >= 0 &&
    box.x + box.width <= vp.width + 0.5 &&
    box.y + box.height <= vp.height + 0.5
  );
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

test.describe('at 1366x768', () => {
  test.use({ viewport: { width: 1366, height: 768 } });

  test('controls, Start, the live charts and the counts share the first screen', async ({
    page,
  }, info) => {
    await page.goto('/');
    await expect(page.getByTestId('start-estimate')).toBeVisible();
    const targets = [
      page.getByLabel('Network family'),
      page.getByRole('slider', { name: /^L \(plain depth/ }),
      page.getByRole('slider', { name: /^Width \(widen factor\)/ }),
      page.getByLabel('K (branches / streams)'),
      page.getByTestId('start-run'),
      page.getByTestId('start-estimate'),
      page.getByTestId('chart-loss'),
      page.getByTestId('chart-error'),
      page.getByTestId('stat-params'),
      page.getByTestId('stat-actual-depth'),
      page.getByTestId('stat-mean-path'),
      page.getByRole('tab', { name: 'Datasets' }),
      page.getByRole('tab', { name: 'Export' }),
      page.getByRole('tab', { name: 'Device' }),
    ];
    for (const t of targets) expect(await onScreen(page, t), String(t)).toBe(true);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: info.outputPath('first-screen-1366.png') });
  });

  test('the estimate follows L; Figure 3 exports the chart with its title', async ({ page }) => {
    await page.goto('/');
    const step = page.getByTestId('estimate-step');
    await expect(step).toHaveText(/\/step/, { timeout: 120_000 });
    const seconds = async () => {
      const text = (await step.textContent()) ?? '';
      const m = /≈ ([\d.]+) (s|min)/.exec(text);
      const min = /(\d+) min (\d+) s/.exec(text);
      if (min) return Number(min[1]) * 60 + Number(min[2]);
      return m ? Number(m[1]) * (m[2] === 'min' ? 60 : 1) : NaN;
    };
    const l12 = await seconds();
    await page.getByRole('slider', { name: /^L \(plain depth/ }).fill('24');
    await expect.poll(seconds).toBeGreaterThan(1.5 * l12);

    const figure3 = page.getByTestId('path-histogram').first();
    await figure3.scrollIntoViewIfNeeded();
    const chart = figure3.locator('.chart-body');
    const box = (await chart.boundingBox())!;
    const png = page.waitForEvent('download');
    await figure3.getByRole('button', { name: /as PNG$/ }).click();
    const bytes = await readFile((await (await png).path())!);
    // PNG header: width and height at bytes 16..24 (2x scale).
    const width = bytes.readUInt32BE(16);
    const height = bytes.readUInt32BE(20);
    expect(width).toBeGreaterThanOrEqual(box.width);
    expect(height).toBeGreaterThanOrEqual(box.height);
    const svg = page.waitForEvent('download');
    await figure3.getByRole('button', { name: /as SVG$/ }).click();
    const text = await readFile((await (await svg).path())!, 'utf8');
    const title = (await figure3.locator('h3').textContent()) ?? '';
    expect(text).toContain(title);
    expect(text).toMatch(/<svg[^>]* width="(\d{3,})"/);
  });

  test('a run keeps its colour when other runs are hidden', async ({ page }) => {
    await page.goto('/');
    await openDrawer(page, 'Export');
    const input = page.getByLabel('Import PyTorch metrics (metrics.csv or metrics.json)');
    for (const name of ['a.csv', 'b.csv', 'c.csv']) {
      await input.setInputFiles({
        name,
        mimeType: 'text/csv',
        buffer: Buffer.from(
          'epoch,step,lr,train_loss,train_error,test_loss,test_error\n1,25,0.1,2.1,0.8,2.0,0.75\n2,50,0.1,1.9,0.7,1.8,0.65\n',
        ),
      });
      await expect(page.getByTestId('export-panel').getByRole('status')).toContainText('Imported');
    }
    const legend = page.getByTestId('chart-loss').locator('.chart-legend-item');
    await expect(legend).toHaveCount(3);
    const colours = async () =>
      legend.evaluateAll((items) =>
        items.map((li) => li.querySelector('line')?.getAttribute('stroke')),
      );
    const before = await colours();
    expect(new Set(before).size).toBe(3);
    const swatches = await page
      .getByTestId('run-swatch')
      .evaluateAll((s) => s.map((x) => x.getAttribute('data-color')));
    expect(swatches).toEqual(before);
    await page
      .getByRole('group', { name: 'Runs in the charts' })
      .getByRole('checkbox')
      .first()
      .uncheck();
    await expect(legend).toHaveCount(2);
    expect(await colours()).toEqual(before.slice(1));
  });
});

test.describe('at phone width', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('nothing overflows the viewport', async ({ page }, info) => {
    await page.goto('/');
    await expect(page.getByTestId('start-estimate')).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    for (const tab of ['Datasets', 'Export', 'Device', 'What am I looking at?']) {
      await openDrawer(page, tab);
      expect(await horizontalOverflow(page), tab).toBeLessThanOrEqual(0);
    }
    await page.screenshot({ path: info.outputPath('phone-390.png'), fullPage: true });
  });
});

test.describe('classroom mode at 1440x900', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test('Previous and Next are on screen on every slide; a main landmark and a heading', async ({
    page,
  }) => {
    await page.goto('/');
    await page.getByRole('button', { name: 'Classroom mode' }).click();
    const room = page.getByRole('main', { name: 'Classroom mode' });
    await expect(room.getByRole('heading', { level: 1 })).toBeVisible();
    const slides = await room.getByRole('tab').count();
    for (let i = 0; i < slides; i++) {
      await room.getByRole('tab').nth(i).click();
      for (const name of ['← Previous', 'Next →']) {
        expect(
          await onScreen(page, room.getByRole('button', { name })),
          `${name} on slide ${i + 1}`,
        ).toBe(true);
      }
    }
  });
});
