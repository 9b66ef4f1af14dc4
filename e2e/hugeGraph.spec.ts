/**
 * Issue 19, item 3: a valid share link of about 790 characters (5 stages x 200 blocks
 * alternating merge-and-run and inception-like, K=8, B=8, width 1) froze the page for 91 s:
 * it defeated the "x n" collapsing and drew 177,034 SVG nodes in one task. The drawing now has
 * a budget (src/ui/graph/graphBudget.ts). This opens the link in a running page, as a person
 * pasting it would, and prints the main-thread time it took until the drawing, the counts, the
 * histogram and the stage lists show it (the tasks' CPU and wall time from a Chromium trace,
 * the Long Tasks API, a timer): numbers for the report (issue 19 asks for under 200 ms), not
 * timed assertions. What it asserts is what cannot vary: the drawing stays within its node budget,
 * says that it summarised, and the counts and histogram show the network.
 */
import { expect, test } from '@playwright/test';
import { DRAW_BUDGET } from '../src/ui/graph/graphBudget';
import { encodeShareHash } from '../src/state/urlState';
import { DEFAULT_HYPERPARAMETERS } from '../src/model/hyperparameters';
import { PlaygroundPage } from './playgroundPage';
import { mainThreadTime } from './mainThreadTime';
import { LIST_CAP } from '../src/ui/editor/stageRows';
import { alternatingHugeSpec } from '../src/model/testing/hugeSpec';

/** The machine's 1-minute load average, printed beside every time (they move with it). */
async function loadAverage(): Promise<string> {
  const { loadavg } = await import('node:os');
  return (loadavg()[0] ?? 0).toFixed(1);
}

/** The network: 1,000 blocks, 704,145 parameters, within every schema limit. */
// The first screen as the reports saw it.
test.use({ viewport: { width: 1366, height: 768 } });

test('the share link of 1,000 alternating blocks draws in summary at once', async ({
  page,
  browser,
}, info) => {
  const app = new PlaygroundPage(page, info);
  await app.open();
  await expect(app.graph).toHaveAttribute('data-blocks', /\d+/);
  const hash = encodeShareHash({ spec: alternatingHugeSpec(), hyper: DEFAULT_HYPERPARAMETERS });
  const url = `${new URL(page.url()).origin}/${hash}`;
  // About 790 characters in the issue; the recipe options (#17) added a few to every link.
  console.log(`[huge graph] share link: ${url.length} characters`);

  // From the hash change to the frame that shows the drawing, the counts, the histogram and
  // the stage lists, then one more task so that the observer's entries arrive.
  let timing = { toFrame: 0, longTasks: [] as number[] };
  const traced = await mainThreadTime(
    browser,
    page,
    async () => {
      timing = await page.evaluate(
        (h) =>
          new Promise<{ toFrame: number; longTasks: number[] }>((resolve) => {
            const longTasks: number[] = [];
            const observer = new PerformanceObserver((list) => {
              for (const e of list.getEntries()) longTasks.push(e.duration);
            });
            observer.observe({ type: 'longtask' });
            const drawn = () =>
              document.querySelector('[data-testid="network-graph"] svg[data-blocks="1000"]') &&
              document.querySelector('[data-testid="stat-actual-depth"]')?.textContent === '8002' &&
              document
                .querySelector('[data-testid="path-histogram"]')
                ?.textContent?.includes('alternating 5 x 200') === true &&
              document.querySelectorAll('[data-testid="stage-4-blocks"] [data-testid="block-item"]')
                .length > 0;
            performance.mark('huge-graph:start');
            const t0 = performance.now();
            const done = () =>
              requestAnimationFrame(() =>
                setTimeout(() => {
                  performance.mark('huge-graph:end');
                  observer.disconnect();
                  resolve({ toFrame: performance.now() - t0, longTasks });
                }, 100),
              );
            const mo = new MutationObserver(() => {
              if (!drawn()) return;
              mo.disconnect();
              done();
            });
            mo.observe(document.body, {
              subtree: true,
              childList: true,
              attributes: true,
              characterData: true,
            });
            location.hash = h;
          }),
        hash,
      );
    },
    'huge-graph:start',
    'huge-graph:end',
  );
  const total = timing.longTasks.reduce((a, b) => a + b, 0);
  const load = await loadAverage();
  // Issue 19 asks for under 200 ms of main-thread time: printed and attached, not asserted
  // (no timed assertions; the machine's load moves it several-fold).
  console.log(
    `[huge graph] hashchange to the frame showing everything: ${timing.toFrame.toFixed(0)} ms; ` +
      `main-thread tasks: ${traced.cpuMs.toFixed(0)} ms CPU, ${traced.wallMs.toFixed(0)} ms wall; ` +
      `long tasks: [${timing.longTasks.map((d) => d.toFixed(0)).join(', ')}] ms (sum ${total.toFixed(0)} ms); ` +
      `load average ${load}`,
  );
  info.annotations.push({
    type: 'main-thread time',
    description: `${traced.cpuMs.toFixed(0)} ms CPU (${traced.wallMs.toFixed(0)} ms wall) at load ${load}; target < 200 ms`,
  });
  await info.attach('huge-graph-timing.json', {
    body: JSON.stringify({ urlChars: url.length, load, ...timing, trace: traced }, null, 2),
    contentType: 'application/json',
  });

  await expect(page.getByTestId('stat-params')).toHaveText('704,145');
  const svgNodes = await app.graph.evaluate((el) => el.querySelectorAll('*').length);
  console.log(
    `[huge graph] SVG elements drawn: ${svgNodes}; styled elements ${traced.rendering.styledElements}, ` +
      `laid-out objects ${traced.rendering.laidOutObjects} in ${traced.rendering.layouts} layouts`,
  );
  // Titles hold text nodes only, so elements are the budget's unit: the old drawing had 177,034.
  expect(svgNodes).toBeLessThanOrEqual(DRAW_BUDGET.svgNodes);
  await expect(page.getByTestId('summary-run')).toHaveCount(5);
  await expect(app.graph).toHaveAttribute('data-summarised', '990');
  await expect(app.graph.getByText(/990 blocks are drawn as 5 summaries/)).toBeVisible();
  await expect(page.getByTestId('summary-run').first()).toHaveAccessibleName(
    /Blocks 2–199 of stage 1, summarised: 99 × Inception-like K=8 B=8, 99 × Merge-and-run K=8 B=8/,
  );
  // The path histogram and the mean path length stay finite for ~1e954 paths.
  await expect(page.getByTestId('stat-mean-path')).toHaveText(/^\d+\.\d\d ± \d+\.\d\d$/);
  await expect(page.getByTestId('stat-actual-depth')).toHaveText('8002');
  await app.shot('huge-graph', page.getByTestId('network-graph'));

  // The stage lists show their first blocks; the rest on request.
  await expect(app.stageBlocks(0)).toHaveCount(LIST_CAP);
  const more = page.getByRole('button', { name: 'List all 200 blocks (176 more)' }).first();
  await expect(more).toHaveAttribute('aria-expanded', 'false');
  await app.shot('huge-graph-stage-list', page.getByTestId('stage-0'));
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: info.outputPath('huge-graph-first-screen.png') });
  await info.attach('huge-graph-first-screen', {
    path: info.outputPath('huge-graph-first-screen.png'),
    contentType: 'image/png',
  });
  await more.click();
  await expect(app.stageBlocks(0)).toHaveCount(200);
  await page.getByRole('button', { name: `List the first ${LIST_CAP} blocks only` }).click();
  await expect(app.stageBlocks(0)).toHaveCount(LIST_CAP);
});

test('a DMRNet L=12 edit updates the counts at once (main-thread time printed)', async ({
  page,
  browser,
}, info) => {
  const app = new PlaygroundPage(page, info);
  await app.open();
  await expect(app.params).toHaveText('349,402');
  await expect(app.stageBlocks(0)).toHaveCount(2);
  await page.screenshot({ path: info.outputPath('first-screen.png') });
  await info.attach('first-screen', {
    path: info.outputPath('first-screen.png'),
    contentType: 'image/png',
  });
  const add = page.getByRole('button', { name: 'Add Residual block to stage 1' });
  let toCounts = 0;
  const traced = await mainThreadTime(
    browser,
    page,
    async () => {
      toCounts = await add.evaluate(
        (button) =>
          new Promise<number>((resolve) => {
            const stat = document.querySelector('[data-testid="stat-params"]');
            const before = stat?.textContent;
            performance.mark('edit:start');
            const t0 = performance.now();
            const mo = new MutationObserver(() => {
              if (stat?.textContent === before) return;
              mo.disconnect();
              const ms = performance.now() - t0;
              requestAnimationFrame(() =>
                setTimeout(() => {
                  performance.mark('edit:end');
                  resolve(ms);
                }, 100),
              );
            });
            mo.observe(document.body, { subtree: true, childList: true, characterData: true });
            (button as HTMLButtonElement).click();
          }),
      );
    },
    'edit:start',
    'edit:end',
  );
  const load = await loadAverage();
  console.log(
    `[huge graph] DMRNet L=12, add a block: click to updated counts ${toCounts.toFixed(1)} ms; ` +
      `main-thread tasks ${traced.cpuMs.toFixed(0)} ms CPU, ${traced.wallMs.toFixed(0)} ms wall ` +
      `(to the next frame and 100 ms on); load average ${load}`,
  );
  info.annotations.push({
    type: 'L=12 edit',
    description: `${toCounts.toFixed(1)} ms to the counts; ${traced.cpuMs.toFixed(0)} ms CPU at load ${load}`,
  });
  await expect(app.stageBlocks(0)).toHaveCount(3);
  await expect(app.params).not.toHaveText('349,402');
});
