import { expect, test, type Locator, type Page } from '@playwright/test';
import { analyzeNetwork } from '../src/model/analysis';
import { fromPaper, tinyClassroom } from '../src/model/presets';
import type { NetworkSpec } from '../src/model/spec';
import { customName } from '../src/model/specEdit';
import { encodeShareHash } from '../src/state/urlState';
import { DEFAULT_HYPERPARAMETERS } from '../src/model/hyperparameters';
import { PlaygroundPage } from './playgroundPage';
import { waitForSample } from './playgroundSample';
import { pressStart } from './startHelpers';

const paramsOf = (spec: NetworkSpec) => analyzeNetwork(spec).params;
const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * Moves a range input to `value` from inside the page and times, with performance.now, how
 * long until the parameter count shows the new network (and until the next frame).
 */
async function timeSliderMove(page: Page, label: RegExp, value: number) {
  const handle = await page.getByRole('slider', { name: label }).elementHandle();
  return page.evaluate(
    ([el, v]) =>
      new Promise<{ toCounts: number; toFrame: number }>((resolve) => {
        const input = el as HTMLInputElement;
        const stat = document.querySelector('[data-testid="stat-params"]')!;
        const before = stat.textContent;
        const t0 = performance.now();
        let toCounts = -1;
        const done = () => {
          toCounts = performance.now() - t0;
          requestAnimationFrame(() => resolve({ toCounts, toFrame: performance.now() - t0 }));
        };
        const observer = new MutationObserver(() => {
          if (stat.textContent !== before) {
            observer.disconnect();
            done();
          }
        });
        observer.observe(stat, { childList: true, characterData: true, subtree: true });
        const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
        setter.call(input, String(v));
        input.dispatchEvent(new Event('input', { bubbles: true }));
        input.dispatchEvent(new Event('change', { bubbles: true }));
        if (stat.textContent !== before && toCounts < 0) {
          observer.disconnect();
          done();
        }
      }),
    [handle, value] as const,
  );
}

/**
 * A real mouse drag (HTML5 drag and drop): press on the source's left edge, move in steps,
 * release `dy` pixels from the target's top (negative: from its bottom).
 */
async function dragWithMouse(page: Page, source: Locator, target: Locator, dy: number) {
  await target.scrollIntoViewIfNeeded();
  await source.scrollIntoViewIfNeeded();
  const from = (await source.boundingBox())!;
  const to = (await target.boundingBox())!;
  await page.mouse.move(from.x + 3, from.y + from.height / 2);
  await page.mouse.down();
  const x = to.x + 30;
  const y = dy >= 0 ? to.y + dy : to.y + to.height + dy;
  await page.mouse.move(x, y, { steps: 8 });
  await page.mouse.move(x, y + 0.5);
  await page.mouse.up();
}

test.describe.configure({ mode: 'serial' });

test('DMRNet: L and width move the graph, the counts (equal to the model core) and the histogram', async ({
  page,
}, info) => {
  const app = new PlaygroundPage(page, info);
  await app.open();
  await app.family.selectOption('dmrnet');
  await expect(app.params).toHaveText(fmt(paramsOf(fromPaper({ arch: 'dmrnet', L: 12 }))));
  await expect(app.params).toHaveText('349,402');
  const blocksBefore = await app.graph.getAttribute('data-blocks');
  const meanBefore = await page.getByTestId('stat-mean-path').textContent();
  const pathBefore = await page
    .getByTestId('path-histogram')
    .locator('.recharts-area-area')
    .first()
    .getAttribute('d');

  // Slider move timings for L = 96 (printed, not asserted: SwiftShader CI machines vary).
  await app.lSlider.fill('90');
  const toCounts: number[] = [];
  const toFrame: number[] = [];
  for (const L of [96, 90, 96, 90, 96, 90, 96]) {
    const t = await timeSliderMove(page, /^L \(plain depth/, L);
    if (L === 96) {
      toCounts.push(t.toCounts);
      toFrame.push(t.toFrame);
    }
  }
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `median ${s[Math.floor(s.length / 2)]!.toFixed(1)} ms (min ${s[0]!.toFixed(1)}, max ${s.at(-1)!.toFixed(1)}, n=${s.length})`;
  };
  console.log(
    `[responsiveness] L slider 90 -> 96, input event to updated counts: ${stats(toCounts)}`,
  );
  console.log(
    `[responsiveness] L slider 90 -> 96, input event to the next frame: ${stats(toFrame)}`,
  );
  await expect(app.params).toHaveText(fmt(paramsOf(fromPaper({ arch: 'dmrnet', L: 96 }))));
  await expect(app.params).toHaveText('3,071,450');
  await expect(page.getByTestId('stat-actual-depth')).toHaveText('98');
  await expect(page.getByTestId('stat-plain-depth')).toHaveText('194');
  await expect(app.graph).toHaveAttribute('data-blocks', '48');
  expect(await app.graph.getAttribute('data-blocks')).not.toBe(blocksBefore);
  // Collapsed "x n" runs keep a 48-block network readable.
  await expect(page.getByTestId('collapsed-run')).toHaveCount(3);
  await expect(page.getByTestId('stat-mean-path')).not.toHaveText(meanBefore ?? '');
  const pathAfter = await page
    .getByTestId('path-histogram')
    .locator('.recharts-area-area')
    .first()
    .getAttribute('d');
  expect(pathAfter).not.toBe(pathBefore);

  const t = await timeSliderMove(page, /^Width \(widen factor\)/, 2);
  console.log(
    `[responsiveness] width slider -> x2 at L=96: counts updated in ${t.toCounts.toFixed(1)} ms`,
  );
  await expect(app.params).toHaveText(
    fmt(paramsOf(fromPaper({ arch: 'dmrnet', L: 96, widen: 2 }))),
  );
  await expect(page.getByTestId('stat-memory')).toContainText('B');

  // Expand a collapsed run, then collapse it.
  await page.getByTestId('collapsed-run').first().click();
  await expect(page.getByTestId('collapsed-run')).toHaveCount(2);
  await app.shot('editor-dmrnet-L96', page.locator('main'));
  await page
    .getByRole('button', { name: /collapse the run of 16 blocks/ })
    .first()
    .click();
  await expect(page.getByTestId('collapsed-run')).toHaveCount(3);
});

test('a custom network from the palette, by mouse and by keyboard, and the share link', async ({
  page,
  context,
}, info) => {
  const app = new PlaygroundPage(page, info);
  await app.open();
  await app.preset.selectOption({ label: 'Tiny classroom DMRNet (trains in seconds)' });
  await expect(app.stageBlocks(0)).toHaveCount(1);

  // Mouse: drag a residual block from the palette before stage 1's only block.
  await dragWithMouse(page, page.getByTestId('palette-residual'), app.stageBlocks(0).first(), 3);
  await expect(app.stageBlocks(0)).toHaveCount(2);
  await expect(app.stageBlocks(0).first()).toContainText('Residual');
  // Mouse: drag it on to the end of stage 2's list.
  await dragWithMouse(page, app.stageBlocks(0).first(), page.getByTestId('stage-1-blocks'), -3);
  await expect(app.stageBlocks(1)).toHaveCount(2);
  await expect(app.stageBlocks(1).last()).toContainText('Residual');

  // Keyboard: pick stage 3, add an inception-like block, move it up, configure K = 3.
  await page.getByLabel('Add to').focus();
  await page.keyboard.press('End');
  await expect(page.getByLabel('Add to')).toHaveValue('2');
  await page.getByRole('button', { name: 'Add Inception-like block to stage 3' }).focus();
  await page.keyboard.press('Enter');
  await expect(app.stageBlocks(2)).toHaveCount(2);
  const added = page.getByRole('button', { name: /Inception-like K=2 B=2, block 2 of stage 3/ });
  await added.focus();
  await page.keyboard.press('Alt+ArrowUp');
  await expect(app.stageBlocks(2).first()).toContainText('Inception-like');
  await expect(
    page.getByRole('button', { name: /Inception-like K=2 B=2, block 1 of stage 3/ }),
  ).toBeFocused();
  await page.keyboard.press('Enter');
  const k = page.getByTestId('block-inspector').getByLabel('K (branches)');
  await k.focus();
  await k.fill('3');
  await expect(app.stageBlocks(2).first()).toContainText('K=3');
  // Keyboard delete of the residual block in stage 2.
  await page.getByRole('button', { name: /Residual B=2, block 2 of stage 2/ }).focus();
  await page.keyboard.press('Delete');
  await page.getByRole('button', { name: /Merge-and-run K=2 B=2, block 1 of stage 2/ }).focus();
  await expect(app.stageBlocks(1)).toHaveCount(1);

  const expected = tinyClassroom();
  expected.stages[2]!.blocks.unshift({ kind: 'inception', branches: 3, layersPerBranch: 2 });
  await expect(app.params).toHaveText(fmt(paramsOf(expected)));
  await expect(app.graph).toHaveAttribute('data-blocks', '4');
  await app.shot('custom-network', page.locator('main'));

  // A refused edit says why.
  await page.getByRole('button', { name: /Merge-and-run K=2 B=2, block 1 of stage 2/ }).focus();
  await page.keyboard.press('Delete');
  await expect(
    page.getByRole('alert').filter({ hasText: 'needs at least one block' }),
  ).toBeVisible();

  // Share: the link opened in a new page gives the same network.
  await page.getByRole('form', { name: 'Hyperparameters' }).getByLabel('Epochs').fill('7');
  const url = await page.getByLabel('Share link (network and hyperparameters)').inputValue();
  expect(url).toContain('#share=v1.');
  const other = await context.newPage();
  await other.goto(url);
  const app2 = new PlaygroundPage(other, info);
  await expect(app2.params).toHaveText(fmt(paramsOf(expected)));
  await expect(app2.stageBlocks(2).first()).toContainText('Inception-like K=3 B=2');
  await expect(
    other.getByRole('form', { name: 'Hyperparameters' }).getByLabel('Epochs'),
  ).toHaveValue('7');
  // A hand-edited network is named as such (issue 14).
  await expect(other.getByTestId('current-network')).toHaveText(customName(expected.name));
  await other.close();
});

test('classroom mode: Eq. 3 on the block, M^n = M, shorter paths, Figure 5', async ({
  page,
}, info) => {
  const app = new PlaygroundPage(page, info);
  await app.open();
  await page.getByRole('button', { name: 'Classroom mode' }).click();
  const room = page.getByRole('main', { name: 'Classroom mode' });
  await expect(room.getByRole('math', { name: 'Equation 3' })).toBeVisible();
  await app.shot('classroom-eq3');
  await room.getByRole('tab', { name: /M\^n = M/ }).click();
  await room.getByRole('slider', { name: /Power n/ }).fill('7');
  await expect(page.getByTestId('idempotent-claim')).toContainText('M^7 = M');
  await room.getByLabel('Average (merge-and-run); off: plain sum').uncheck();
  await expect(page.getByTestId('idempotent-claim')).toContainText('not idempotent');
  await app.shot('classroom-matrix');
  // Arrow keys move between the explanations.
  await room.getByRole('tab', { name: /M\^n = M/ }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(room.getByRole('tab', { name: /Shorter paths/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(room.getByTestId('path-histogram').locator('.recharts-area-area')).toHaveCount(3);
  await app.shot('classroom-paths');
  await room.getByRole('tab', { name: /Two-branch view/ }).click();
  await expect(room.getByRole('img', { name: /Figure 5/ })).toBeVisible();
  await app.shot('classroom-figure5');
  await room.getByRole('button', { name: 'Exit classroom mode' }).click();
  await expect(app.params).toBeVisible();
});

type LongTask = { start: number; duration: number };
type LongTaskWindow = { __longTasks?: LongTask[]; __watchFrom?: number };

/** Records every main-thread task over 50 ms (the Long Tasks API), with its start time. */
function recordLongTasks(): void {
  const w = window as unknown as LongTaskWindow;
  w.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      w.__longTasks!.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
}

/**
 * Waits until `runs` runs are listed and finished and the loss chart has drawn a line, the way
 * a person watches a run: the charts scrolled into view (charts off screen do not redraw). It
 * polls lightly, twice a second, and returns the page's performance.now() span of the wait:
 * inside it only the poll of Playwright runs on the page (its other calls snapshot the page on
 * the main thread, which would count as the page's long tasks), so the long tasks in it are
 * the app's while it trains.
 */
async function watchRunsTrain(page: Page, runs: number): Promise<{ from: number; to: number }> {
  const handle = await page.waitForFunction(
    (n) => {
      const w = window as unknown as LongTaskWindow;
      if (w.__watchFrom === undefined) {
        document.querySelector('.area-charts')?.scrollIntoView({ block: 'start' });
        w.__watchFrom = performance.now();
      }
      const rows = [...document.querySelectorAll('[data-testid="run-row"]')];
      const done =
        rows.length === n &&
        rows.every((r) => r.getAttribute('data-status') === 'finished') &&
        !!document.querySelector('[data-testid="chart-loss"] .recharts-line-curve');
      if (!done) return false;
      const from = w.__watchFrom;
      w.__watchFrom = undefined;
      return { from, to: performance.now() };
    },
    runs,
    { timeout: 150_000, polling: 500 },
  );
  return (await handle.jsonValue()) as { from: number; to: number };
}

/**
 * The long tasks that started inside a span, printed as a count, the longest, the total blocking
 * time and the list.
 */
async function longTasksIn(page: Page, span: { from: number; to: number }): Promise<string> {
  const all = await page.evaluate(() => [
    ...((window as unknown as LongTaskWindow).__longTasks ?? []),
  ]);
  const inside = all
    .filter((t) => t.start >= span.from && t.start <= span.to)
    .map((t) => Math.round(t.duration));
  const seconds = ((span.to - span.from) / 1000).toFixed(1);
  // Total blocking time: the part of each long task over 50 ms, summed.
  const blocking = inside.reduce((sum, d) => sum + d - 50, 0);
  return inside.length === 0
    ? `0 in ${seconds} s`
    : `${inside.length} in ${seconds} s (longest ${Math.max(...inside)} ms, blocking ${blocking} ms; all: ${inside.join(', ')} ms)`;
}

const SAMPLE = 'CIFAR-10 sample';

test('a tiny run trains and its charts grow; then a race of ResNet, DILNet and DMRNet', async ({
  page,
}, info) => {
  test.setTimeout(300_000);
  await page.addInitScript(recordLongTasks);
  const app = new PlaygroundPage(page, info);
  await app.open();
  await waitForSample(page, SAMPLE);
  await app.preset.selectOption({ label: 'Tiny classroom DMRNet (trains in seconds)' });
  await page.getByTestId('stage-0').getByLabel('Width').fill('4');
  await page.getByTestId('stage-1').getByLabel('Width').fill('8');
  await page.getByTestId('stage-2').getByLabel('Width').fill('16');
  const form = page.getByRole('form', { name: 'Hyperparameters' });
  // A wrong value gets a message and is not used.
  await form.getByLabel('Epochs').fill('0');
  await expect(form.getByRole('alert')).toHaveText('Epochs must be a whole number from 1 to 400.');
  await expect(form.getByLabel('Epochs')).toHaveAttribute('aria-invalid', 'true');
  await app.tinyHyperparameters();
  await expect(form.getByRole('alert')).toHaveCount(0);

  const training = page.locator('.training-panel');
  await training.getByLabel('Dataset').selectOption(SAMPLE);
  await pressStart(page);
  const rows = page.getByTestId('run-row');
  // The charts grow as the worker reports: a loss line, then the run finishes.
  const trained = await watchRunsTrain(page, 1);
  const during = await longTasksIn(page, trained);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-status', 'finished');
  await expect(rows.first().getByTestId('run-best-error')).toHaveText(/^\d+\.\d\d%$/);
  await page.getByTestId('error-vs-path').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('error-vs-path').locator('.recharts-scatter-symbol')).toHaveCount(
    1,
  );
  console.log(`[responsiveness] main-thread tasks over 50 ms while the run trained: ${during}`);
  await app.shot('run-and-charts', page.locator('.area-charts'));

  // One click: three networks of about equal parameter count race on the same data
  // (two steps each here: SwiftShader runs the shaders on the CPU).
  await app.tinyHyperparameters(2, 0);
  await page.getByLabel('Race L').selectOption('6');
  await page.getByLabel('Race base width').selectOption('4');
  await page.getByRole('button', { name: 'Race ResNet, DILNet, DMRNet' }).click();
  const raced = await watchRunsTrain(page, 4);
  const raceTasks = await longTasksIn(page, raced);
  await expect(rows).toHaveCount(4);
  await expect(
    page.locator('.training-panel').getByRole('checkbox', { name: /Race mode/ }),
  ).toBeChecked();
  for (let i = 1; i < 4; i++) await expect(rows.nth(i)).toHaveAttribute('data-status', 'finished');
  const legend = (testId: string) => page.getByTestId(testId).locator('.chart-legend-item');
  await expect(legend('chart-loss')).toHaveCount(4);
  await page.getByTestId('error-vs-path').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('error-vs-path').locator('.recharts-scatter-symbol')).toHaveCount(
    4,
  );
  console.log(`[responsiveness] main-thread tasks over 50 ms during the race: ${raceTasks}`);
  // Runs overlaid (Figure 7): hide one and the charts follow.
  await page
    .getByRole('group', { name: 'Runs in the charts' })
    .getByRole('checkbox')
    .first()
    .uncheck();
  await expect(legend('chart-loss')).toHaveCount(3);
  await app.shot('race', page.locator('main'));
  // Export: the CSV holds the numbers drawn.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export Training loss data as CSV' }).click();
  const csv = await (await download).path();
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(csv, 'utf8');
  expect(text.split('\r\n')[0]).toBe('series,epoch,loss');
  expect(text.split('\r\n').length).toBeGreaterThan(3);
  // Delete a finished run: the page asks first.
  page.once('dialog', (dialog) => void dialog.accept());
  await rows
    .first()
    .getByRole('button', { name: /^Delete / })
    .click();
  await expect(rows).toHaveCount(3);
});

// (The page reloaded with the network cut off, which opens and trains: e2e/offline.spec.ts.)
test('a share link cut off in the middle still opens, says so, and keeps the defaults', async ({
  page,
}, info) => {
  const hash = encodeShareHash({
    spec: tinyClassroom({ width: 4 }),
    hyper: DEFAULT_HYPERPARAMETERS,
  });
  const app = new PlaygroundPage(page, info);
  await app.open(hash.slice(0, Math.floor(hash.length * 0.6)));
  await expect(
    page.getByRole('alert').filter({ hasText: 'The shared link could not be opened' }),
  ).toBeVisible();
  // The defaults are kept: the paper's DMRNet at L = 12, and the network can still be edited.
  await expect(app.params).toHaveText('349,402');
  await app.shot('cut-off-link');
  await app.preset.selectOption({ label: 'Tiny classroom DMRNet (trains in seconds)' });
  await expect(app.params).toHaveText(fmt(paramsOf(tinyClassroom())));
});

test('after the first visit a service worker controls the page, app, worker and sample precached', async ({
  page,
}, info) => {
  const app = new PlaygroundPage(page, info);
  await app.open();
  // Polled from here: an async predicate in page.waitForFunction would pass at once (a promise).
  await expect
    .poll(
      () =>
        page.evaluate(async () => {
          const reg = await navigator.serviceWorker?.getRegistration();
          return reg?.active?.state === 'activated' && !!navigator.serviceWorker.controller;
        }),
      { message: 'the service worker installed and controls the page', timeout: 90_000 },
    )
    .toBe(true);
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const urls: string[] = [];
    for (const n of names) for (const r of await (await caches.open(n)).keys()) urls.push(r.url);
    return urls;
  });
  console.log(`[offline] precached: ${cached.map((u) => new URL(u).pathname).join(' ')}`);
  // The app, its workers and the shipped sample are precached.
  expect(cached.some((u) => u.includes('/index.html'))).toBe(true);
  expect(cached.some((u) => u.includes('/assets/worker-'))).toBe(true);
  expect(cached.some((u) => u.includes('sample/cifar-10-sample/sample_data_batch.bin.gz'))).toBe(
    true,
  );
  // The reload with the network cut off, and a run trained offline: e2e/offline.spec.ts.
});
