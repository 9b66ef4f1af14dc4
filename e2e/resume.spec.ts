import { expect, test } from '@playwright/test';
import { buildApp, startPreview, TOOLS_CONFIG, TOOLS_DIST } from '../scripts/appInBrowser';
import type { ResumeReport } from '../tools/bench/resumeCheck';

type BenchWindow = { __benchResult?: unknown; __benchError?: string };

// bench.html is a tool, not in the app's build: built here into dist-tools/ and served on
// E2E_TOOLS_PORT, else on the port after the app's (as e2e/fused.spec.ts).
const TOOLS_PORT = Number(process.env.E2E_TOOLS_PORT ?? Number(process.env.E2E_PORT ?? 4173) + 1);
let stopTools: (() => void) | undefined;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  buildApp(true, TOOLS_DIST, TOOLS_CONFIG);
  stopTools = await startPreview(TOOLS_PORT, TOOLS_DIST, TOOLS_CONFIG);
});

test.afterAll(() => stopTools?.());

// The trainer's WebGPU step, bit for bit: two straight runs of one seed (the start-up
// calibration between them) and a run checkpointed, unloaded and reloaded mid-way give the
// same loss at every step and the same final weights, momentum and running averages.
test('the fused step is deterministic and resumes from a checkpoint bit for bit', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.goto(`http://127.0.0.1:${TOOLS_PORT}/bench.html?mode=resume`);
  await page.waitForFunction(
    () => {
      const w = window as unknown as BenchWindow;
      return w.__benchResult ?? w.__benchError;
    },
    null,
    { timeout: 230_000 },
  );
  const error = await page.evaluate(() => (window as unknown as BenchWindow).__benchError);
  expect(error).toBeUndefined();
  const report = (await page.evaluate(
    () => (window as unknown as BenchWindow).__benchResult,
  )) as ResumeReport;
  console.log(JSON.stringify(report));
  const [straight, ...others] = report.runs;
  expect(straight!.losses).toHaveLength(report.steps);
  expect(straight!.losses.every(Number.isFinite)).toBe(true);
  for (const d of report.differences) {
    expect(d, d.name).toEqual({ name: d.name, firstStep: null, tensors: [] });
  }
  for (const run of others) {
    run.losses.forEach((loss, i) =>
      expect(Object.is(loss, straight!.losses[i]), `${run.name} step ${i + 1}`).toBe(true),
    );
    expect(run.checksum, run.name).toBe(straight!.checksum);
  }
  expect(report.snapshotMatchesItsStep).toBe(true);
});
