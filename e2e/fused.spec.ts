import { expect, test } from '@playwright/test';
import { buildApp, startPreview, TOOLS_CONFIG, TOOLS_DIST } from '../scripts/appInBrowser';

type BenchWindow = { __benchResult?: unknown; __benchError?: string };

interface Report {
  diffs: { name: string; maxAbsDiff: number; maxAbsReference: number }[];
  decay: {
    rule: string;
    name: string;
    lr: number;
    weightDecay: number;
    momentum: number;
    before: number[];
    after: number[];
  }[];
  lossCurve: { fused: number[]; reference: number[] };
  tensorsAfterStep: number[];
  layoutBits: { compared: number; mismatches: string[] };
}

// bench.html is a tool, not in the app's build: built here into dist-tools/ and served on the
// port E2E_TOOLS_PORT, else the port after the app's.
const TOOLS_PORT = Number(process.env.E2E_TOOLS_PORT ?? Number(process.env.E2E_PORT ?? 4173) + 1);
let stopTools: (() => void) | undefined;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  buildApp(true, TOOLS_DIST, TOOLS_CONFIG);
  stopTools = await startPreview(TOOLS_PORT, TOOLS_DIST, TOOLS_CONFIG);
});

test.afterAll(() => stopTools?.());

// The fused WebGPU kernels (src/train/fused) against tfjs's CPU backend, in a real worker on
// SwiftShader: values and gradients of each kernel, then 20 steps of a tiny DMRNet.
test('fused kernels and the fused step match the unfused tfjs computation', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(`http://127.0.0.1:${TOOLS_PORT}/bench.html?mode=check`);
  await page.waitForFunction(
    () => {
      const w = window as unknown as BenchWindow;
      return w.__benchResult ?? w.__benchError;
    },
    null,
    {
      timeout: 110_000,
    },
  );
  const error = await page.evaluate(() => (window as unknown as BenchWindow).__benchError);
  expect(error).toBeUndefined();
  const report = (await page.evaluate(
    () => (window as unknown as BenchWindow).__benchResult,
  )) as Report;
  // Every kernel is compared: optimizer, augmentation, and 4 BN variants with their gradients.
  expect(report.diffs.length).toBeGreaterThanOrEqual(30);
  for (const d of report.diffs) {
    expect(d.maxAbsReference, d.name).toBeGreaterThan(0);
    expect(d.maxAbsDiff, d.name).toBeLessThan(1e-4 * Math.max(1, d.maxAbsReference));
  }
  // Every conv layout the tuner may pick computes bit-identical results (issue 16, item 2):
  // a run's numbers do not depend on which layout won on the adapter.
  expect(report.layoutBits.compared).toBeGreaterThanOrEqual(60);
  expect(report.layoutBits.mismatches).toEqual([]);
  const { fused, reference } = report.lossCurve;
  expect(fused).toHaveLength(20);
  expect(reference).toHaveLength(20);
  fused.forEach((loss, i) => {
    expect(Number.isFinite(loss)).toBe(true);
    expect(Math.abs(loss - reference[i]!), `step ${i}`).toBeLessThan(
      1e-3 * Math.max(1, reference[i]!),
    );
  });
  // Issue 17: biases and BN betas with zero gradient, one fused optimizer step. Under the
  // authors' rule weight decay alone moves them: g = wd w, v = g, w -= lr (g + mu v), i.e.
  // w (1 - lr wd (1 + mu)) (lr wd with momentum 0); under MXNet's default they stay.
  for (const rule of ['all', 'weights-gamma']) {
    const entries = report.decay.filter((d) => d.rule === rule);
    expect(
      entries.some((d) => d.name.endsWith('.beta')),
      rule,
    ).toBe(true);
    expect(
      entries.some((d) => d.name.endsWith('.bias')),
      rule,
    ).toBe(true);
    for (const d of entries) {
      const shrink = rule === 'all' ? 1 - d.lr * d.weightDecay * (1 + d.momentum) : 1;
      expect(d.before.some((v) => v !== 0)).toBe(true);
      d.before.forEach((b, i) => {
        expect(Math.abs(d.after[i]! - b * shrink), `${rule} ${d.name}[${i}]`).toBeLessThan(1e-6);
      });
    }
  }
  // No tensor leaks: the count is flat from the second step on.
  const counts = report.tensorsAfterStep.slice(1);
  expect(Math.max(...counts)).toBe(Math.min(...counts));
});
