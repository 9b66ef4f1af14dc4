import { expect, test } from '@playwright/test';
import type { CheckReport } from '../tools/bench/messages';
import { benchReport, serveBenchPage } from './benchPage';

serveBenchPage();

// The fused WebGPU kernels (src/train/fused) against tfjs's CPU backend, in a real worker on
// SwiftShader: values and gradients of each kernel, then 20 steps of a tiny DMRNet.
test('fused kernels and the fused step match the unfused tfjs computation', async ({ page }) => {
  test.setTimeout(120_000);
  const report = await benchReport<CheckReport>(page, 'check');
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
  // The first step waits only for quick-to-compile layouts; the chosen ones compile behind it,
  // and every pass is on them within a few steps (step.ts's compileForFirstStep).
  console.log(`[fused] quick first layouts: ${JSON.stringify(report.quickLayouts)}`);
  expect(report.quickLayouts.afterFirstStep).toBeGreaterThan(0);
  expect(report.quickLayouts.atEnd).toBe(0);
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
