/**
 * The training engine end to end: real Chromium, WebGPU on SwiftShader, the app's own worker,
 * the shipped CIFAR-10 sample in IndexedDB. SwiftShader is slow, so the network is tiny (width
 * 4, one block per stage), batches are 8 images, and every test takes few steps.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import { SAMPLE_DATASET_NAME } from '../src/model/datasetSources';
import { weightNames } from '../src/model/plan';
import { tinyClassroom } from '../src/model/presets';
import type { RunHistory } from '../src/protocol/training';
import type { Hyperparameters } from '../src/model/hyperparameters';
import { openDrawer, pressStart } from './startHelpers';
import { tinyRunUrl } from './tinyRun';

const SAMPLE = SAMPLE_DATASET_NAME;

test.describe.configure({ mode: 'serial' });
/** SwiftShader runs shaders on the CPU: a pause waits for the steps already queued. */
const LONG = { timeout: 120_000 };
test.setTimeout(300_000);

/** The app installs the shipped sample on first open (the dataset panel lists it then). */
async function waitForSample(page: Page, name: string): Promise<void> {
  await openDrawer(page, 'Datasets');
  await expect(page.getByRole('row', { name: new RegExp(name) })).toBeVisible({
    timeout: 60_000,
  });
}

async function openApp(page: Page, hyper: Partial<Hyperparameters>): Promise<void> {
  await page.goto(tinyRunUrl(hyper));
  await expect(page.getByRole('status', { name: 'Training backend' })).toHaveText(/^WebGPU/, {
    timeout: 60_000,
  });
  await waitForSample(page, SAMPLE);
}

/** The training panel (other panels have buttons of the same names). */
const panel = (page: Page) => page.locator('.training-panel');

/** Starts a run of the URL's network and returns its id. */
async function startRun(page: Page): Promise<string> {
  await panel(page).getByLabel('Dataset').selectOption(SAMPLE);
  const before = await panel(page).locator('[data-testid^="select-run-"]').count();
  await pressStart(page);
  await expect(panel(page).locator('[data-testid^="select-run-"]')).toHaveCount(before + 1);
  const id = await panel(page).getByTestId('training-run').getAttribute('data-run-id');
  expect(id).toMatch(/^\S+$/); // the new run's id, not null or empty
  return id!;
}

async function stepOf(page: Page): Promise<number> {
  const text = (await panel(page).getByTestId('run-step').textContent()) ?? '';
  return Number(/^(\d+)/.exec(text)?.[1] ?? NaN);
}

async function waitForStep(page: Page, atLeast: number, timeout = 240_000): Promise<void> {
  await expect
    .poll(() => stepOf(page), { timeout, intervals: [500] })
    .toBeGreaterThanOrEqual(atLeast);
}

/**
 * The worker's tensors less those the kernel tuner holds while it times candidates between
 * steps (its inputs, freed as each shape is done): what a leak would grow.
 */
async function tensorCount(page: Page): Promise<number> {
  return page.evaluate(async () => {
    type Memory = { numTensors: number; tuningTensors: number };
    const hooks = (globalThis as { __dmrnetTest?: { memory(): Promise<Memory> } }).__dmrnetTest;
    if (!hooks) throw new Error('test hooks missing');
    const m = await hooks.memory();
    return m.numTensors - m.tuningTensors;
  });
}

interface Stored {
  history: RunHistory;
  checkpointStep: number | null;
  weights: number[][];
  /** Weights, BN running averages and momentum, in the checkpoint's order. */
  state: number[][];
  /** Steps between two train points (absent: 5). */
  reportEverySteps?: number;
}

/** A run's record and checkpoint as stored in IndexedDB "dmrnet-runs". */
async function stored(page: Page, runId: string): Promise<Stored> {
  return page.evaluate(async (id) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('dmrnet-runs');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const get = (store: string) =>
      new Promise<Record<string, unknown> | undefined>((resolve, reject) => {
        const req = db.transaction(store).objectStore(store).get(id);
        req.onsuccess = () => resolve(req.result as Record<string, unknown> | undefined);
        req.onerror = () => reject(req.error);
      });
    const record = await get('runs');
    const checkpoint = await get('checkpoints');
    db.close();
    const values = (key: string) =>
      ((checkpoint?.[key] as { values: Float32Array }[] | undefined) ?? []).map((w) =>
        Array.from(w.values),
      );
    return {
      history: record?.history as RunHistory,
      checkpointStep: (record?.checkpointStep as number | null) ?? null,
      weights: values('weights'),
      state: [...values('weights'), ...values('running'), ...values('momentum')],
      reportEverySteps: (record?.config as { reportEverySteps?: number } | undefined)
        ?.reportEverySteps,
    };
  }, runId);
}

/** Every value the same float to the last bit (Object.is: -0 is not 0, NaN is NaN). */
function expectIdentical(got: number[], want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  const i = got.findIndex((g, k) => !Object.is(g, want[k]));
  expect(i < 0 ? null : `${what}[${i}]: ${got[i]} instead of ${want[i]}`).toBeNull();
}

/** FNV-1a over the float32 bits of every tensor, in order. */
function checksum(tensors: number[][]): string {
  let h = 0x811c9dc5;
  for (const t of tensors) {
    for (const b of new Uint8Array(Float32Array.from(t).buffer)) {
      h = Math.imul(h ^ b, 0x01000193) >>> 0;
    }
  }
  return h.toString(16).padStart(8, '0');
}

/** Same test passes, same final state (weights, running averages, momentum), bit for bit. */
function expectSameRun(got: Stored, want: Stored): void {
  expect(got.state.length).toBeGreaterThan(0);
  expect(got.state.length).toBe(want.state.length);
  expect(checksum(got.state)).toBe(checksum(want.state));
  got.state.forEach((t, i) => expectIdentical(t, want.state[i]!, `tensor ${i}`));
  expect(got.history.test.map((p) => p.step)).toEqual(want.history.test.map((p) => p.step));
  expectIdentical(
    got.history.test.flatMap((p) => [p.loss, p.error]),
    want.history.test.flatMap((p) => [p.loss, p.error]),
    'test loss and error',
  );
}

/**
 * Train points are means over windows of `reportEverySteps` steps, which the page picks per
 * run from this device's measured speed (issue 14): two runs started a minute apart may get
 * different windows. Where the windows agree, every point is the same to the last bit.
 */
function expectSameTrainCurve(got: Stored, want: Stored): void {
  const cadence = (r: Stored) => r.reportEverySteps ?? 5;
  if (cadence(got) === cadence(want)) {
    const a = curves(got.history).train;
    const b = curves(want.history).train;
    expect(a.map((p) => [p.step, p.lr])).toEqual(b.map((p) => [p.step, p.lr]));
    expectIdentical(
      a.flatMap((p) => [p.loss, p.error]),
      b.flatMap((p) => [p.loss, p.error]),
      'train loss and error',
    );
  } else {
    test.info().annotations.push({
      type: 'cadence',
      description: `train points every ${cadence(want)} vs ${cadence(got)} steps`,
    });
    expect(got.history.train.at(-1)!.step).toBe(want.history.train.at(-1)!.step);
  }
}

/** A history without the wall-clock speed, which differs from run to run. */
function curves(history: RunHistory) {
  return {
    train: history.train.map(({ step, loss, error, lr }) => ({ step, loss, error, lr })),
    test: history.test,
  };
}

test('trains on the shipped sample: metrics arrive, pause and resume, tensor count flat over 50 steps', async ({
  page,
}) => {
  // 64 steps an epoch, 2 epochs: room for 50 more steps after the first pause. Batches of 4:
  // SwiftShader's convolutions cost in proportion to the images, and 50 steps must fit.
  test.setTimeout(480_000); // ~70 steps at a second or two each on SwiftShader
  await openApp(page, { batchSize: 4, trainLimit: 4 * 64, epochs: 2 });
  const id = await startRun(page);
  const status = panel(page).getByTestId('run-status');
  await expect(status).toHaveText('running');
  // The first train point (5 steps) shows a real loss, then keep going.
  await expect(panel(page).getByTestId('run-train-loss')).toHaveText(/^\d+\.\d{4}$/, {
    timeout: 180_000,
  });

  await panel(page).getByRole('button', { name: 'Pause' }).click();
  await expect(status).toHaveText('paused');
  await expect(panel(page).getByTestId('run-checkpoint')).toHaveText(/^step \d+$/, LONG);
  const pausedAt = await stepOf(page);
  await expect(panel(page).getByTestId('run-checkpoint')).toHaveText(`step ${pausedAt}`);
  const tensorsBefore = await tensorCount(page);

  await panel(page).getByRole('button', { name: 'Resume' }).click();
  await expect(status).toHaveText('running');
  await waitForStep(page, pausedAt + 50, 360_000);
  await panel(page).getByRole('button', { name: 'Pause' }).click();
  await expect(status).toHaveText('paused');
  await expect(panel(page).getByTestId('run-checkpoint')).not.toHaveText(`step ${pausedAt}`, LONG);
  expect(await stepOf(page)).toBeGreaterThanOrEqual(pausedAt + 50);
  // A loss read-back started just before the pause holds its two sums until it lands: poll
  // briefly. A leak (tensors per step) would never come back down to the count before.
  await expect.poll(() => tensorCount(page), { timeout: 30_000 }).toBe(tensorsBefore);

  const record = await stored(page, id);
  expect(record.history.train.length).toBeGreaterThanOrEqual(10);
  expect(record.history.train.every((p) => Number.isFinite(p.loss))).toBe(true);
  await panel(page).getByRole('button', { name: 'Stop' }).click();
  await expect(status).toHaveText('stopped');
});

test('a reload mid-run resumes from the checkpoint exactly: same curves, same weights', async ({
  page,
}) => {
  // 5 steps an epoch, 20 in all: enough that the run is still going when the page reloads.
  const hyper = { trainLimit: 40, epochs: 4 };
  await openApp(page, hyper);
  const straight = await startRun(page);
  const status = panel(page).getByTestId('run-status');
  await expect(status).toHaveText('finished', { timeout: 240_000 });
  const reference = await stored(page, straight);
  expect(reference.history.test.map((p) => p.step)).toEqual([5, 10, 15, 20]);

  const resumed = await startRun(page);
  await waitForStep(page, 2);
  await panel(page).getByRole('button', { name: 'Pause' }).click();
  await expect(status).toHaveText('paused');
  await expect(panel(page).getByTestId('run-checkpoint')).toHaveText(/^step \d+$/, LONG);
  const checkpointAt = await stepOf(page);
  await panel(page).getByRole('button', { name: 'Resume' }).click();
  await waitForStep(page, checkpointAt + 1);

  // The tab goes away mid-run: everything after the checkpoint is lost and must be redone.
  await page.reload();
  await panel(page).getByTestId(`select-run-${resumed}`).click();
  await expect(status).toHaveText('paused');
  await expect(panel(page).getByTestId('run-message')).toContainText(
    `resume continues from its checkpoint at step`,
  );
  await panel(page).getByRole('button', { name: 'Resume' }).click();
  await expect(status).toHaveText('finished', { timeout: 240_000 });

  const again = await stored(page, resumed);
  // Same weights, momentum, running averages and test passes: the resumed run is the straight
  // run, step for step, to the last bit (docs/training.md, exact resume).
  expectSameRun(again, reference);
  expectSameTrainCurve(again, reference);
});

test('two runs of one seed train alike to the last bit', async ({ page }) => {
  const hyper = { trainLimit: 40, epochs: 2 }; // 5 steps an epoch, 10 in all
  await openApp(page, hyper);
  const status = panel(page).getByTestId('run-status');
  const first = await startRun(page);
  await expect(status).toHaveText('finished', { timeout: 240_000 });
  const second = await startRun(page);
  await expect(status).toHaveText('finished', { timeout: 240_000 });
  const [a, b] = [await stored(page, first), await stored(page, second)];
  expect(a.history.test.map((p) => p.step)).toEqual([5, 10]);
  expectSameRun(b, a);
  expectSameTrainCurve(b, a);
});

test('a destroyed GPU device is recovered from the last checkpoint and the run finishes', async ({
  page,
}) => {
  await openApp(page, { trainLimit: 24, epochs: 3 }); // 3 steps an epoch, 9 in all
  const id = await startRun(page);
  await expect(panel(page).getByTestId('run-checkpoint')).toHaveText(/step [36]/, {
    timeout: 240_000,
  });
  await page.evaluate(async () => {
    const hooks = (globalThis as { __dmrnetTest?: { destroyDevice(): Promise<unknown> } })
      .__dmrnetTest;
    await hooks!.destroyDevice();
  });
  // The loss is reported once the GPU process is done with the work already queued.
  await expect(panel(page).getByTestId('training-notice')).toContainText(
    'GPU device was lost',
    LONG,
  );
  await expect(panel(page).getByTestId('run-status')).toHaveText('finished', { timeout: 240_000 });
  const record = await stored(page, id);
  const steps = record.history.test.map((p) => p.step);
  expect(steps).toEqual([3, 6, 9]);
  expect(record.history.test.every((p) => Number.isFinite(p.loss))).toBe(true);
});

test('a huge learning rate pauses the run and says to lower it', async ({ page }) => {
  await openApp(page, { trainLimit: 160, epochs: 1 }); // 20 steps
  await startRun(page);
  await waitForStep(page, 1);
  // With BN, only the weight decay term (lr * 1e-4 * w) makes the weights blow up: fast at 1e30.
  await panel(page).getByLabel('Learning rate').fill('1e30');
  await panel(page).getByRole('button', { name: 'Set rate' }).click();
  await expect(panel(page).getByTestId('run-status')).toHaveText('paused', { timeout: 180_000 });
  await expect(panel(page).getByTestId('run-message')).toContainText('Lower the learning rate');
});

test("a run's weights export as weights.safetensors, read by the training worker from its runs database", async ({
  page,
}) => {
  await openApp(page, { trainLimit: 16, epochs: 1 }); // 2 steps, then the epoch's checkpoint
  const id = await startRun(page);
  await expect(panel(page).getByTestId('run-status')).toHaveText('finished', LONG);
  await expect(panel(page).getByTestId('run-checkpoint')).toHaveText(/^step \d+$/, LONG);
  await openDrawer(page, 'Export');
  const exportPanel = page.getByTestId('export-panel');
  await exportPanel.getByLabel('Weights').selectOption(id);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    exportPanel.getByRole('button', { name: 'Download PyTorch project (.zip)' }).click(),
  ]);
  const files = unzipSync(new Uint8Array(readFileSync(await download.path())));
  const weights = Object.entries(files).find(([n]) => n.endsWith('/weights.safetensors'))?.[1];
  expect(weights).toBeDefined();
  // safetensors: an 8-byte little-endian header length, then the JSON header.
  const headerLength = Number(
    new DataView(weights!.buffer, weights!.byteOffset).getBigUint64(0, true),
  );
  const header = JSON.parse(strFromU8(weights!.subarray(8, 8 + headerLength))) as Record<
    string,
    unknown
  >;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  expect(names.sort()).toEqual(
    weightNames(tinyClassroom({ width: 4 }))
      .map((w) => w.name)
      .sort(),
  );
});

test('ghost batch norm and the mean fill from a share link: the run trains on the unfused step and says so', async ({
  page,
}) => {
  // Issue 17: BN over 4 of each 8 images; WebGPU's fused step has no ghost BN, so the run
  // takes the tfjs step, visibly.
  await openApp(page, { trainLimit: 24, epochs: 1, bnBatch: 4, padFill: 'mean' }); // 3 steps
  const form = page.getByRole('form', { name: 'Hyperparameters' });
  await expect(form.getByLabel('BN batch (0: whole batch)')).toHaveValue('4');
  await expect(form.getByLabel('Padding fill')).toHaveValue('mean');
  await expect(form.getByLabel('Weight decay on')).toHaveValue('all');
  await startRun(page);
  await expect(panel(page).getByTestId('run-status')).toHaveText('finished', { timeout: 240_000 });
  await expect(page.getByTestId('run-step-note').last()).toContainText(
    'Unfused WebGPU step: ghost batch norm (BN over 4 of 8 images)',
  );
  await expect(page.getByTestId('run-row').last()).toContainText('BN over 4');
  const id = await panel(page).getByTestId('training-run').getAttribute('data-run-id');
  const record = await stored(page, id!);
  expect(record.history.train.at(-1)?.step).toBe(3);
  expect(record.history.train.every((p) => Number.isFinite(p.loss))).toBe(true);
});
