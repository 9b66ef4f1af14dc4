/**
 * Nothing lost (issue 15, and 19's full disk): real Chromium, the app's own worker on WebGPU
 * (SwiftShader), real IndexedDB, the shipped CIFAR-10 sample. A pause survives an immediate
 * reload, a closed page keeps what its timed checkpoints stored, a second tab cannot drive a
 * run live in the first, a changed dataset refuses a resume, and a full disk (a real tmpfs as
 * the profile) refuses an import and pauses a run without losing what is stored.
 */
import { execSync } from 'node:child_process';
import { gunzipSync, gzipSync } from 'node:zlib';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { chromium, expect, test, type Page } from '@playwright/test';
import { BASE_CHROMIUM_ARGS, chromiumPath, WEBGPU_ARGS } from '../playwright.config';
import { SAMPLE_DATASET_NAME } from '../src/model/datasetSources';
import type { Hyperparameters } from '../src/model/hyperparameters';
import { openDrawer, pressStart } from './startHelpers';
import { tinyRunUrl } from './tinyRun';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);
const LONG = { timeout: 120_000 };
const RECORD = 3073;

const panel = (page: Page) => page.locator('.training-panel');

async function openApp(page: Page, hyper: Partial<Hyperparameters> = {}): Promise<void> {
  await page.goto(tinyRunUrl({ trainLimit: 1600, ...hyper }));
  await expect(page.getByRole('status', { name: 'Training backend' })).toHaveText(/^WebGPU/, {
    timeout: 60_000,
  });
  await openDrawer(page, 'Datasets');
  await expect(page.getByTestId(`dataset-${SAMPLE_DATASET_NAME}`)).toBeVisible({
    timeout: 60_000,
  });
}

async function startRun(page: Page, dataset = SAMPLE_DATASET_NAME): Promise<string> {
  await panel(page).getByLabel('Dataset').selectOption(dataset);
  const before = await panel(page).locator('[data-testid^="select-run-"]').count();
  await pressStart(page);
  await expect(panel(page).locator('[data-testid^="select-run-"]')).toHaveCount(before + 1);
  const id = await panel(page).getByTestId('training-run').getAttribute('data-run-id');
  expect(id).toMatch(/^run-/);
  return id!;
}

async function stepOf(page: Page): Promise<number> {
  const text = (await panel(page).getByTestId('run-step').textContent()) ?? '';
  return Number(/^(\d+)/.exec(text)?.[1] ?? NaN);
}

async function waitForStep(page: Page, atLeast: number): Promise<void> {
  await expect
    .poll(() => stepOf(page), { timeout: 240_000, intervals: [500] })
    .toBeGreaterThanOrEqual(atLeast);
}

const status = (page: Page) => panel(page).getByTestId('run-status');

/** The first `count` records of the sample's training file from `from` on, in the .bin layout. */
function sampleRecords(from: number, count: number): Buffer {
  const raw = gunzipSync(readFileSync('public/sample/cifar-10-sample/sample_data_batch.bin.gz'));
  return raw.subarray(from * RECORD, (from + count) * RECORD);
}

test('pause, then reload at once: the run stays at its paused step, with its learning rate', async ({
  page,
}) => {
  await openApp(page);
  const id = await startRun(page);
  await waitForStep(page, 2);
  // A rate changed on the fly is part of what is stored.
  await panel(page).getByLabel('Learning rate').fill('0.05');
  await panel(page).getByRole('button', { name: 'Set rate' }).click();
  await expect(panel(page).getByTestId('run-lr')).toHaveText('0.05');
  await panel(page).getByRole('button', { name: 'Pause' }).click();
  // 'paused' only once the checkpoint of that step is committed.
  await expect(status(page)).toHaveText('paused', LONG);
  const pausedAt = await stepOf(page);
  expect(pausedAt).toBeGreaterThanOrEqual(2);
  await expect(panel(page).getByTestId('run-checkpoint')).toHaveText(`step ${pausedAt}`);
  // The counter does not move on after the pause.
  await page.waitForTimeout(1500);
  expect(await stepOf(page)).toBe(pausedAt);

  await page.reload();
  await panel(page).getByTestId(`select-run-${id}`).click();
  await expect(status(page)).toHaveText('paused');
  expect(await stepOf(page)).toBe(pausedAt);
  await expect(panel(page).getByTestId('run-checkpoint')).toHaveText(`step ${pausedAt}`);
  await expect(panel(page).getByTestId('run-message')).toHaveCount(0); // not "interrupted"
  await expect(panel(page).getByTestId('run-lr')).toHaveText('0.05');
  await panel(page).getByRole('button', { name: 'Stop' }).click();
  await expect(status(page)).toHaveText('stopped', LONG);
});

/** What the run's panel shows, each time it changes (recorded in the page from now on). */
async function recordRunStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    type State = { status: string; button: string; step: string; checkpoint: string };
    const seen: State[] = [];
    const root = document.querySelector('.training-panel')!;
    const snap = () => {
      const run = root.querySelector('[data-testid="training-run"]');
      if (!run) return;
      const text = (id: string) => run.querySelector(`[data-testid="${id}"]`)?.textContent ?? '';
      const button = [...run.querySelectorAll('button')].find((b) =>
        /^Paus/.test(b.textContent ?? ''),
      );
      const state: State = {
        status: text('run-status'),
        button: button?.textContent ?? '',
        step: text('run-step'),
        checkpoint: text('run-checkpoint'),
      };
      if (JSON.stringify(seen.at(-1)) !== JSON.stringify(state)) seen.push(state);
    };
    snap();
    new MutationObserver(snap).observe(root, {
      subtree: true,
      childList: true,
      characterData: true,
    });
    (window as unknown as { runStates: State[] }).runStates = seen;
  });
}

/** The step of `runId`'s stored checkpoint, read from the app's IndexedDB (null: none). */
async function storedCheckpointStep(page: Page, runId: string): Promise<number | null> {
  return page.evaluate(
    (id) =>
      new Promise<number | null>((resolve, reject) => {
        const open = indexedDB.open('dmrnet-runs');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const get = db.transaction('checkpoints').objectStore('checkpoints').get(id);
          get.onsuccess = () => {
            db.close();
            resolve((get.result as { step: number } | undefined)?.step ?? null);
          };
          get.onerror = () => reject(get.error);
        };
      }),
    runId,
  );
}

test('Pause shows "Pausing…" until its checkpoint is committed, then paused at a stopped step', async ({
  page,
}) => {
  await openApp(page);
  const id = await startRun(page);
  await waitForStep(page, 2);
  await recordRunStates(page);
  await panel(page).getByRole('button', { name: 'Pause' }).click();
  await expect(status(page)).toHaveText('paused', LONG);
  const pausedAt = await stepOf(page);
  await page.waitForTimeout(1500);
  expect(await stepOf(page)).toBe(pausedAt);
  expect(await storedCheckpointStep(page, id)).toBe(pausedAt);

  type State = { status: string; button: string; step: string; checkpoint: string };
  const states = await page.evaluate(() => (window as unknown as { runStates: State[] }).runStates);
  console.log(
    `Pause, ${states.length} states seen:\n${states.map((x) => JSON.stringify(x)).join('\n')}`,
  );
  const firstPausing = states.findIndex((x) => x.status === 'pausing…');
  const firstPaused = states.findIndex((x) => x.status === 'paused');
  expect(firstPausing).toBeGreaterThanOrEqual(0);
  expect(firstPaused).toBeGreaterThan(firstPausing);
  // From the press until the checkpoint is committed: "Pausing…", never "paused".
  for (const x of states.slice(firstPausing, firstPaused)) {
    expect(x.status).toBe('pausing…');
    expect(x.button).toBe('Pausing…');
  }
  // "paused" only with the checkpoint of the paused step shown, and the counter stays there.
  for (const x of states.slice(firstPaused)) {
    expect(x.status).toBe('paused');
    expect(x.button).toBe('Pause');
    expect(x.checkpoint).toBe(`step ${pausedAt}`);
    expect(x.step).toMatch(new RegExp(`^${pausedAt} /`));
  }
  await panel(page).getByRole('button', { name: 'Stop' }).click();
  await expect(status(page)).toHaveText('stopped', LONG);
});

test('a page closed 30 s into training reopens with the run at a step > 0', async ({ context }) => {
  const page = await context.newPage();
  await openApp(page);
  const id = await startRun(page);
  await waitForStep(page, 1);
  await page.waitForTimeout(30_000);
  const before = await stepOf(page);
  await page.close({ runBeforeUnload: false });

  const again = await context.newPage();
  await openApp(again);
  await panel(again).getByTestId(`select-run-${id}`).click();
  await expect(status(again)).toHaveText('paused');
  const step = await stepOf(again);
  expect(step).toBeGreaterThan(0);
  expect(step).toBeLessThanOrEqual(before + 50);
  await expect(panel(again).getByTestId('run-message')).toContainText(
    `resume continues from its checkpoint at step ${step}`,
  );
  await expect(panel(again).getByTestId('run-checkpoint')).toHaveText(`step ${step}`);
  await again.close();
});

test('a second tab shows a run live in the first read-only, and takes over when it closes', async ({
  context,
}) => {
  const first = await context.newPage();
  await openApp(first);
  const id = await startRun(first);
  await waitForStep(first, 1);

  const second = await context.newPage();
  await openApp(second);
  await expect(panel(second).getByTestId('training-readonly')).toContainText(
    'Training in another tab',
  );
  await panel(second).getByTestId(`select-run-${id}`).click();
  await expect(status(second)).toHaveText('running');
  const controls = panel(second).getByTestId('training-run');
  await expect(controls.getByRole('button', { name: 'Resume' })).toBeDisabled();
  await expect(controls.getByRole('button', { name: 'Pause' })).toBeDisabled();
  await expect(controls.getByRole('button', { name: 'Stop' })).toBeDisabled();
  await expect(panel(second).getByRole('button', { name: 'Start run' })).toBeDisabled();
  // The first tab goes on training meanwhile.
  const firstStep = await stepOf(first);
  await waitForStep(first, firstStep + 1);

  await first.close({ runBeforeUnload: false });
  await expect(panel(second).getByTestId('training-notice')).toContainText(
    'this tab trains these runs now',
    LONG,
  );
  await expect(panel(second).getByTestId('training-readonly')).toHaveCount(0);
  await panel(second).getByTestId(`select-run-${id}`).click();
  await expect(status(second)).toHaveText('paused');
  await controls.getByRole('button', { name: 'Resume' }).click();
  await expect(status(second)).toHaveText('running');
  await controls.getByRole('button', { name: 'Stop' }).click();
  await expect(status(second)).toHaveText('stopped', LONG);
});

test('deleting a dataset names its runs, and a changed or missing dataset refuses resume', async ({
  page,
}) => {
  await openApp(page);
  const upload = (from: number) =>
    page.getByLabel(/Import files/).setInputFiles([
      {
        name: 'mine_batch_1.bin',
        mimeType: 'application/octet-stream',
        buffer: sampleRecords(from, 200),
      },
      {
        name: 'test_batch.bin',
        mimeType: 'application/octet-stream',
        buffer: sampleRecords(1000 + from, 40),
      },
    ]);
  await upload(0);
  await expect(page.getByTestId('import-message')).toContainText('240 images');
  const name = 'mine_batch_1';
  await expect(page.getByTestId(`dataset-${name}`)).toBeVisible();
  const id = await startRun(page, name);
  await waitForStep(page, 1);
  await panel(page).getByRole('button', { name: 'Pause' }).click();
  await expect(status(page)).toHaveText('paused', LONG);

  let question = '';
  page.once('dialog', (dialog) => {
    question = dialog.message();
    void dialog.accept();
  });
  await page.getByRole('button', { name: `Delete ${name}` }).click();
  await expect(page.getByTestId(`dataset-${name}`)).toHaveCount(0);
  expect(question).toContain(`Delete the dataset “${name}”`);
  expect(question).toMatch(/The run “.+” \(paused\) trains on it and could not resume without it/);

  const controls = panel(page).getByTestId('training-run');
  await panel(page).getByTestId(`select-run-${id}`).click();
  await controls.getByRole('button', { name: 'Resume' }).click();
  await expect(panel(page).getByTestId('run-message')).toContainText(
    `The dataset "${name}" this run trained on is gone`,
  );
  await expect(status(page)).toHaveText('paused');

  // Other images under the same name: the content checksum differs.
  await upload(200);
  await expect(page.getByTestId(`dataset-${name}`)).toBeVisible();
  await controls.getByRole('button', { name: 'Resume' }).click();
  await expect(panel(page).getByTestId('run-message')).toContainText(
    `The dataset "${name}" changed since this run started`,
  );
  await expect(status(page)).toHaveText('paused');
});

/**
 * A profile on a real small disk (a tmpfs, mounted for the test; needs root), filled with a
 * scratch file while the app runs, then freed.
 */
test.describe('a full disk', () => {
  const MOUNT = '/tmp/dmrnet-e2e-small-disk';
  const FILLER = `${MOUNT}/filler`;
  const canMount = process.getuid?.() === 0;

  test.skip(!canMount, 'mounting a small disk needs root');

  test.beforeAll(() => {
    mkdirSync(MOUNT, { recursive: true });
    execSync(`mount -t tmpfs -o size=256m tmpfs ${MOUNT}`);
  });
  test.afterAll(() => {
    execSync(`umount ${MOUNT} || umount -l ${MOUNT}`);
    rmSync(MOUNT, { recursive: true, force: true });
  });

  /** Fills the disk until about `leaveMb` MB are left. */
  const fill = (leaveMb: number) => {
    const free = Number(execSync(`df -m --output=avail ${MOUNT} | tail -1`).toString().trim());
    execSync(`fallocate -l ${Math.max(1, free - leaveMb)}M ${FILLER}`);
  };
  const free = () => rmSync(FILLER, { force: true });

  test('refuses an import and pauses a run with a message; nothing stored is lost', async ({
    baseURL,
  }) => {
    const context = await chromium.launchPersistentContext(`${MOUNT}/profile`, {
      executablePath: chromiumPath(),
      args: [...BASE_CHROMIUM_ARGS, ...WEBGPU_ARGS],
      baseURL,
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await openApp(page);
      const id = await startRun(page);
      await expect(panel(page).getByTestId('run-checkpoint')).toHaveText(/^step [1-9]\d*$/, LONG);

      fill(8);
      // An import that does not fit is refused before anything is written.
      await page.getByLabel(/Import files/).setInputFiles({
        name: 'big_batch_1.bin',
        mimeType: 'application/octet-stream',
        buffer: sampleRecords(0, 1600),
      });
      await expect(page.getByTestId('import-message')).toContainText(
        'Not enough disk space for "big_batch_1"',
        LONG,
      );
      await expect(page.getByTestId('dataset-big_batch_1')).toHaveCount(0);

      // The run's next checkpoint does not fit: it pauses, saying so, its last one kept.
      await panel(page).getByRole('button', { name: 'Pause' }).click();
      await expect(status(page)).toHaveText('paused', LONG);
      const message = panel(page).getByTestId('run-message');
      await expect(message).toContainText('Not enough disk space for the checkpoint');
      await expect(message).toContainText(/Its last stored checkpoint \(step \d+\) is intact/);
      const kept = Number(/step (\d+)\) is intact/.exec((await message.textContent()) ?? '')![1]);

      free();
      await page.reload();
      await openDrawer(page, 'Datasets');
      await expect(page.getByTestId(`dataset-${SAMPLE_DATASET_NAME}`)).toBeVisible(LONG);
      await expect(page.getByTestId('storage-lost')).toHaveCount(0);
      await panel(page).getByTestId(`select-run-${id}`).click();
      await expect(status(page)).toHaveText('paused');
      await expect(panel(page).getByTestId('run-checkpoint')).toHaveText(`step ${kept}`);
      await panel(page).getByTestId('training-run').getByRole('button', { name: 'Resume' }).click();
      await expect(status(page)).toHaveText('running');
      await waitForStep(page, kept + 1);
    } finally {
      free();
      await context.close();
    }
  });
});

/** The app's datasets store, counted: manifests by name, shards and pending imports. */
async function countStoredDatasets(
  page: Page,
): Promise<{ manifests: string[]; shardsOf: Record<string, number>; pending: number }> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('dmrnet-datasets');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['manifests', 'shards', 'pending']);
          const manifests = tx.objectStore('manifests').getAll();
          const shards = tx.objectStore('shards').getAllKeys();
          const pending = tx.objectStore('pending').count();
          tx.oncomplete = () => {
            db.close();
            const shardsOf: Record<string, number> = {};
            for (const key of shards.result as [string, string, number][]) {
              shardsOf[key[0]] = (shardsOf[key[0]] ?? 0) + 1;
            }
            resolve({
              manifests: (manifests.result as { name: string; storageId: string }[]).map(
                (m) => `${m.name}=${m.storageId}`,
              ),
              shardsOf,
              pending: pending.result,
            });
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

/**
 * A small quota: Chromium derives an origin's quota from the size of the disk that holds the
 * profile (60% of it), so a profile on a 128 MB tmpfs gets about 77 MB (on 64 MB, 38 MB: too
 * little for the app's own files, the sample and the 32 MB the app keeps free). Chromium 156 *reports*
 * a static quota by default (navigator.storage.estimate() said 1 GiB on 64 MB, 256 MB and 1 GB
 * disks alike: the StaticStorageQuota anti-fingerprinting feature); with that feature off it
 * reports the quota it enforces, which this test prints and checks is small.
 */
test.describe('a small quota', () => {
  const MOUNT = `/tmp/dmrnet-e2e-small-quota-${process.env.E2E_PORT ?? 4173}`;
  const DISK_BYTES = 128 * 1024 * 1024;
  const FILES = `${MOUNT}-files`;
  const BIG = `${FILES}/big_batch_1.bin`;
  const GZ = `${FILES}/more_batch_1.bin.gz`;
  const canMount = process.getuid?.() === 0;

  test.skip(!canMount, 'mounting a small disk needs root');

  test.beforeAll(() => {
    mkdirSync(MOUNT, { recursive: true });
    execSync(`mount -t tmpfs -o size=${DISK_BYTES} tmpfs ${MOUNT}`);
    // 30,400 valid CIFAR-10 records (the sample's real images, repeated): 93 MB, over the quota.
    const sample = sampleRecords(0, 1600);
    mkdirSync(FILES, { recursive: true });
    writeFileSync(BIG, Buffer.concat(Array.from({ length: 19 }, () => sample)));
    // 12,800 records gzipped: the file fits what is free, its 39 MB of images do not (with the
    // 32 MB the app keeps free), so shards are written before the refusal and must be removed.
    writeFileSync(GZ, gzipSync(Buffer.concat(Array.from({ length: 8 }, () => sample))));
  });
  test.afterAll(() => {
    execSync(`umount ${MOUNT} || umount -l ${MOUNT}`);
    rmSync(MOUNT, { recursive: true, force: true });
    rmSync(FILES, { recursive: true, force: true });
  });

  test('an import larger than the quota is refused with the numbers; nothing is half-written', async ({
    baseURL,
  }) => {
    const context = await chromium.launchPersistentContext(`${MOUNT}/profile`, {
      executablePath: chromiumPath(),
      args: [...BASE_CHROMIUM_ARGS, ...WEBGPU_ARGS, '--disable-features=StaticStorageQuota'],
      baseURL,
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await openApp(page);
      const estimate = await page.evaluate(() => navigator.storage.estimate());
      const seen = `navigator.storage.estimate() on a ${DISK_BYTES / 2 ** 20} MB tmpfs profile: quota ${estimate.quota} bytes, usage ${estimate.usage} bytes`;
      console.log(seen);
      test.info().annotations.push({ type: 'quota', description: seen });
      // The quota the test runs with is the small one the disk gives, not a static 1 GiB.
      expect(estimate.quota!).toBeLessThan(DISK_BYTES);
      expect(estimate.quota!).toBeGreaterThan(DISK_BYTES / 2);
      const before = await countStoredDatasets(page);
      expect(before.manifests).toHaveLength(1); // the sample
      expect(before.pending).toBe(0);

      const bigBytes = statSync(BIG).size;
      expect(bigBytes).toBeGreaterThan(estimate.quota!);
      await page.getByLabel(/Import files/).setInputFiles(BIG);
      const message = page.getByTestId('import-message');
      await expect(message).toContainText('Nothing was stored', LONG);
      const text = (await message.textContent()) ?? '';
      console.log(`The refusal: ${text}`);
      // The numbers: what the file needs and what the browser lets the site store.
      const MB = 2 ** 20;
      expect(text).toContain(`big_batch_1.bin is ${Math.ceil(bigBytes / MB)} MB`);
      const free = Number(/store only ([\d.]+) MB more/.exec(text)?.[1]);
      expect(Math.abs(free - (estimate.quota! - estimate.usage!) / MB)).toBeLessThan(2);

      // Nothing half-written: the store holds what it held before, shard for shard.
      await expect(page.getByTestId('dataset-big_batch_1')).toHaveCount(0);
      const after = await countStoredDatasets(page);
      console.log(`Stored before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
      expect(after).toEqual(before);

      // A gzip that fits but whose images do not: refused part way, its shards removed.
      expect(statSync(GZ).size).toBeLessThan(estimate.quota! - estimate.usage!);
      await page.getByLabel(/Import files/).setInputFiles(GZ);
      await expect(message).not.toContainText('big_batch_1');
      await expect(message).toContainText('Nothing was stored', LONG);
      const second = (await message.textContent()) ?? '';
      console.log(`The second refusal: ${second}`);
      expect(second).toMatch(/"more_batch_1(\.bin)?".*\d MB/);
      await expect(page.getByTestId('dataset-more_batch_1')).toHaveCount(0);
      const last = await countStoredDatasets(page);
      console.log(`Stored after the second: ${JSON.stringify(last)}`);
      expect(last).toEqual(before);
    } finally {
      await context.close();
    }
  });
});
