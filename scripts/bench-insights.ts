/**
 * The per-class insight's cost per test pass (issue #18), measured in the app's own worker:
 * builds the app (unless --no-build), serves the build, opens it in headless Chromium with
 * WebGPU (SwiftShader where there is no GPU), starts a run on the shipped CIFAR-10 sample
 * (all 400 test images), pauses it after a few steps, then times `--passes` test passes with
 * the insight (confusion matrix and grid predictions from the pass's own argmax, one read-back)
 * and as many without, alternated, after a warm-up pass of each. One JSON object: the medians
 * and minimums, the overhead in percent of the pass without it (of the medians, and the median
 * of back-to-back pairs), every pass's time, and the insight's own worker CPU time per pass
 * (counting, the grid, the concat: what it adds on the worker's thread, load or not).
 *
 *   npm run bench:insights -- [--passes 5] [--L 0] [--width 4] [--batch 16] [--port 4197]
 *       [--backend webgpu|webgl|cpu] [--no-build]
 *
 * --L 0 (default) is the classroom DMRNet at --width (as the e2e tests); --L 12 etc. the
 * paper's DMRNet at that L (width 16). The pass reads its batches of max(batch, 64) images.
 */
import type { Page } from '@playwright/test';
import { SAMPLE_DATASET_NAME } from '../src/model/datasetSources';
import { fromPaper, tinyClassroom } from '../src/model/presets';
import type { TestPassTiming } from '../src/protocol/training';
import { encodeShareHash } from '../src/state/urlState';
import { DEFAULT_HYPERPARAMETERS } from '../src/model/hyperparameters';
import {
  buildApp,
  launchChromium,
  positiveIntOption,
  rejectUnknownOptions,
  startPreview,
} from './appInBrowser';

const log = (line: string) => process.stderr.write(`${line}\n`);

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

async function waitForSample(page: Page): Promise<void> {
  await page
    .getByRole('row', { name: new RegExp(SAMPLE_DATASET_NAME) })
    .waitFor({ timeout: 120_000 })
    .catch(() => {
      throw new Error(`The app did not install the shipped sample within 120 s`);
    });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  rejectUnknownOptions(
    args,
    ['no-build'],
    ['passes', 'L', 'width', 'batch', 'port', 'backend'],
    'scripts/bench-insights.ts',
  );
  const passes = positiveIntOption(args, 'passes', 5);
  const width = positiveIntOption(args, 'width', 4);
  const batch = positiveIntOption(args, 'batch', 16);
  const port = positiveIntOption(args, 'port', 4197);
  const L = args.includes('--L') ? Number(args[args.indexOf('--L') + 1]) : 0;
  if (!Number.isInteger(L) || L < 0) throw new Error(`--L needs a whole number, got ${L}`);
  const backendAt = args.indexOf('--backend');
  const backend = backendAt >= 0 ? (args[backendAt + 1] ?? '') : null;
  if (backend !== null && !['webgpu', 'webgl', 'cpu'].includes(backend)) {
    throw new Error(`--backend must be webgpu, webgl or cpu, got "${backend}"`);
  }
  if (!args.includes('--no-build')) {
    log('Building the app (vite build)…');
    buildApp(true);
  }
  const spec = L > 0 ? fromPaper({ arch: 'dmrnet', L }) : tinyClassroom({ width });
  const stop = await startPreview(port);
  const browser = await launchChromium(true);
  try {
    const page = await browser.newPage();
    await page.addInitScript('globalThis.__name = (f) => f;');
    const share = encodeShareHash({
      spec,
      hyper: {
        ...DEFAULT_HYPERPARAMETERS,
        epochs: 4,
        batchSize: batch,
        trainLimit: 0,
        testLimit: 0,
        evalEverySteps: 0,
        seed: 1,
      },
    });
    const query = backend ? `&backend=${backend}` : '';
    await page.goto(`http://127.0.0.1:${port}/?test-hooks${query}${share}`);
    const badge = page.getByRole('status', { name: 'Training backend' });
    await badge.filter({ hasNotText: /starting|…/i }).waitFor({ timeout: 60_000 });
    const adapter = (await badge.textContent()) ?? '';
    log(`Backend: ${adapter}`);
    await waitForSample(page);
    const panel = page.locator('.training-panel');
    await panel.getByLabel('Dataset').fill(SAMPLE_DATASET_NAME);
    await panel.getByRole('button', { name: 'Start run' }).click();
    const run = panel.getByTestId('training-run');
    await run.waitFor({ timeout: 180_000 });
    const runId = (await run.getAttribute('data-run-id'))!;
    // A few steps, so the weights are not the initial ones; then pause.
    await page
      .getByTestId('run-step')
      .filter({ hasText: /^([3-9]|\d\d+) \// })
      .waitFor({ timeout: 300_000 });
    await panel.getByRole('button', { name: 'Pause' }).click();
    await panel
      .getByTestId('run-status')
      .filter({ hasText: /^paused$/ })
      .waitFor();
    log(`Timing ${passes} + ${passes} test passes of ${spec.name} on 400 images…`);
    const timing = await page.evaluate(
      async ({ id, n }) => {
        const hooks = (
          globalThis as {
            __dmrnetTest?: { measureTestPass(id: string, n: number): Promise<TestPassTiming> };
          }
        ).__dmrnetTest;
        if (!hooks) throw new Error('test hooks missing');
        return hooks.measureTestPass(id, n);
      },
      { id: runId, n: passes },
    );
    const withMs = median(timing.withInsightMs);
    const withoutMs = median(timing.withoutInsightMs);
    const result = {
      backend: timing.backend,
      adapter,
      network: spec.name,
      testImages: timing.testImages,
      passes,
      medianPassMsWithInsight: round(withMs),
      medianPassMsWithout: round(withoutMs),
      overheadPercent: round(((withMs - withoutMs) / withoutMs) * 100, 2),
      medianInsightCpuMs: round(median(timing.insightCpuMs), 2),
      insightCpuPercent: round((median(timing.insightCpuMs) / withoutMs) * 100, 2),
      minPassMsWithInsight: round(Math.min(...timing.withInsightMs)),
      minPassMsWithout: round(Math.min(...timing.withoutInsightMs)),
      // Pass i with and pass i without ran back to back: their ratio cancels slow drifts.
      medianPairedOverheadPercent: round(
        median(timing.withInsightMs.map((w, i) => (w / timing.withoutInsightMs[i]! - 1) * 100)),
        2,
      ),
      withInsightMs: timing.withInsightMs.map((v) => round(v)),
      withoutInsightMs: timing.withoutInsightMs.map((v) => round(v)),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    await panel.getByRole('button', { name: 'Stop' }).click();
  } finally {
    await browser.close();
    stop();
  }
}

main().catch((error: unknown) => {
  log(`bench:insights failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
