/**
 * The per-class insight's cost per test pass (issue #18), measured in the app's own worker:
 * builds the app (unless --no-build), serves the build, opens it in headless Chromium with
 * WebGPU (SwiftShader where there is no GPU), starts a run on the shipped CIFAR-10 sample
 * (all 400 test images), pauses it after a few steps, then runs one warm-up test pass of each
 * kind and `--passes` pairs: a pass with the insight (confusion matrix and grid predictions
 * from the pass's own argmax, one read-back) and one without, back to back, the order
 * alternating. Around each pass it reads the CPU time of the whole browser (every process this
 * script started but the preview server, from /proc: on SwiftShader the GPU's work is CPU work
 * in Chromium's GPU process), which a loaded machine disturbs far less than the wall-clock
 * time. One JSON object: medians and minimums of both, the overhead in percent of the pass
 * without the insight, every pass, and the insight's own worker CPU time per pass.
 *
 *   npm run bench:insights -- [--passes 5] [--L 0] [--width 4] [--batch 16] [--port 4197]
 *       [--backend webgpu|webgl|cpu] [--no-build]
 *
 * --L 0 (default) is the classroom DMRNet at --width (as the e2e tests); --L 12 etc. the
 * paper's DMRNet at that L (width 16). The pass reads its batches of max(batch, 64) images.
 * Linux only for the CPU times (null elsewhere).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { SAMPLE_DATASET_NAME } from '../src/model/datasetSources';
import { fromPaper, tinyClassroom } from '../src/model/presets';
import type { TestPassTiming } from '../src/protocol/training';
import { encodeShareHash } from '../src/state/urlState';
import { DEFAULT_HYPERPARAMETERS } from '../src/model/hyperparameters';
import { buildApp, launchChromium, startPreview } from './appInBrowser';
import { isPositiveInteger, numberOption, scriptOptions, usageError } from './cliArgs';

const log = (line: string) => process.stderr.write(`${line}\n`);

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** utime + stime (ms) of every process descending from this one, `except` and its own aside. */
function descendantsCpuMs(except: number | null): number | null {
  if (process.platform !== 'linux') return null;
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) in parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(fields[1]));
      cpu.set(Number(name), Number(fields[11]) + Number(fields[12]));
    } catch {
      // gone meanwhile
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === except) return false;
      if (p === process.pid) return true;
    }
    return false;
  };
  let ticks = 0;
  for (const [pid, t] of cpu) if (pid !== except && mine(pid)) ticks += t;
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** The `vite preview` server this script started (its CPU is not the browser's). */
function previewPid(): number | null {
  if (process.platform !== 'linux') return null;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && cmd.includes('vite.js') && cmd.includes('preview')) {
        return Number(name);
      }
    } catch {
      // gone meanwhile
    }
  }
  return null;
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
  const SCRIPT = 'scripts/bench-insights.ts';
  const o = scriptOptions(
    {
      passes: { type: 'string' },
      L: { type: 'string' },
      width: { type: 'string' },
      batch: { type: 'string' },
      port: { type: 'string' },
      backend: { type: 'string' },
      'no-build': { type: 'boolean' },
    },
    SCRIPT,
  );
  const positive = (value: string | undefined, name: string, fallback: number) =>
    numberOption(value, name, fallback, isPositiveInteger, 'a positive whole number', SCRIPT);
  const passes = positive(o.passes, 'passes', 5);
  const width = positive(o.width, 'width', 4);
  const batch = positive(o.batch, 'batch', 16);
  const port = positive(o.port, 'port', 4197);
  const L = numberOption(
    o.L,
    'L',
    0,
    (n) => Number.isInteger(n) && n >= 0,
    'a whole number (0: the classroom network)',
    SCRIPT,
  );
  const backend = o.backend ?? null;
  if (backend !== null && !['webgpu', 'webgl', 'cpu'].includes(backend)) {
    usageError(`--backend must be webgpu, webgl or cpu (got "${backend}")`, SCRIPT);
  }
  if (!o['no-build']) {
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
    const onePass = (insight: boolean) =>
      page.evaluate(
        async ({ id, withInsight }) => {
          const hooks = (
            globalThis as {
              __dmrnetTest?: {
                measureTestPass(id: string, n: number, insight: boolean): Promise<TestPassTiming>;
              };
            }
          ).__dmrnetTest;
          if (!hooks) throw new Error('test hooks missing');
          return hooks.measureTestPass(id, 1, withInsight);
        },
        { id: runId, withInsight: insight },
      );
    const server = previewPid();
    const arms = {
      with: { ms: [] as number[], cpuMs: [] as number[], insightCpuMs: [] as number[] },
      without: { ms: [] as number[], cpuMs: [] as number[], insightCpuMs: [] as number[] },
    };
    let testImages = 0;
    let backendName: string | null = null;
    const measure = async (insight: boolean, keep: boolean) => {
      const before = descendantsCpuMs(server);
      const t = await onePass(insight);
      const after = descendantsCpuMs(server);
      if (!keep) return;
      const arm = insight ? arms.with : arms.without;
      arm.ms.push(...t.withInsightMs, ...t.withoutInsightMs);
      arm.insightCpuMs.push(...t.insightCpuMs);
      if (before !== null && after !== null) arm.cpuMs.push(after - before);
      if (insight) testImages = t.testImages;
      backendName = t.backend;
    };
    await measure(true, false);
    await measure(false, false);
    for (let i = 0; i < passes; i++) {
      const first = i % 2 === 0;
      await measure(first, true);
      await measure(!first, true);
      log(
        `  pair ${i + 1}: ${arms.with.ms.at(-1)!.toFixed(0)} ms with, ${arms.without.ms.at(-1)!.toFixed(0)} ms without`,
      );
    }
    const percent = (a: number, b: number) => round(((a - b) / b) * 100, 2);
    const withMs = median(arms.with.ms);
    const withoutMs = median(arms.without.ms);
    const cpu = arms.with.cpuMs.length > 0;
    const result = {
      backend: backendName,
      adapter,
      network: spec.name,
      testImages,
      passes,
      medianPassMsWithInsight: round(withMs),
      medianPassMsWithout: round(withoutMs),
      overheadPercent: percent(withMs, withoutMs),
      minPassMsWithInsight: round(Math.min(...arms.with.ms)),
      minPassMsWithout: round(Math.min(...arms.without.ms)),
      browserCpuMsWithInsight: cpu ? round(median(arms.with.cpuMs)) : null,
      browserCpuMsWithout: cpu ? round(median(arms.without.cpuMs)) : null,
      browserCpuOverheadPercent: cpu
        ? percent(median(arms.with.cpuMs), median(arms.without.cpuMs))
        : null,
      medianInsightCpuMs: round(median(arms.with.insightCpuMs), 2),
      withInsightMs: arms.with.ms.map((v) => round(v)),
      withoutInsightMs: arms.without.ms.map((v) => round(v)),
      browserCpuMsEachWith: arms.with.cpuMs.map((v) => round(v)),
      browserCpuMsEachWithout: arms.without.cpuMs.map((v) => round(v)),
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
