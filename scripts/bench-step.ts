/**
 * `npm run bench [-- --json] [-- --steps N --warmup N --tiny-batch N --l12-batch N --no-build]`
 *
 * Builds the app, serves it with `vite preview`, opens bench.html?mode=bench in headless
 * Chromium (WebGPU via --enable-unsafe-webgpu; on machines without a GPU that is SwiftShader)
 * and prints the fused step's numbers against the tfjs-layers baseline measured in the same
 * run. With --json, only the JSON object goes to stdout.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chromium } from '@playwright/test';
import { BASE_CHROMIUM_ARGS, WEBGPU_ARGS, chromiumPath } from '../playwright.config';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
function option(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  if (i >= 0 && !(Number.isInteger(v) && v > 0)) {
    console.error(`--${name} needs a positive whole number (got ${args[i + 1] ?? 'nothing'})`);
    process.exit(2);
  }
  return i >= 0 ? v : fallback;
}

const json = flag('json');
const log = (m: string) => (json ? process.stderr : process.stdout).write(`${m}\n`);
const port = option('port', 4179);
const query = new URLSearchParams({
  mode: 'bench',
  steps: String(option('steps', 2)),
  warmup: String(option('warmup', 1)),
  tinyBatch: String(option('tiny-batch', 16)),
  l12Batch: String(option('l12-batch', 8)),
});
if (flag('tiny-only')) query.set('tinyOnly', '1');

async function main(): Promise<void> {
  if (!flag('no-build')) {
    log('Building (vite build)…');
    const built = spawnSync('npx', ['vite', 'build'], { stdio: json ? 'ignore' : 'inherit' });
    if (built.status !== 0) throw new Error('vite build failed');
  }
  const server = spawn(
    'npx',
    ['vite', 'preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1'],
    { stdio: 'ignore', detached: true },
  );
  const stop = () => {
    try {
      if (server.pid) process.kill(-server.pid);
    } catch {
      // Already gone.
    }
  };
  process.on('exit', stop);
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [...BASE_CHROMIUM_ARGS, ...WEBGPU_ARGS],
  });
  try {
    const page = await browser.newPage();
    const url = `http://127.0.0.1:${port}/bench.html?${query}`;
    for (let i = 0; ; i++) {
      try {
        await page.goto(url);
        break;
      } catch (e) {
        if (i > 50) throw e;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    let last = '';
    for (;;) {
      const state = await page.evaluate(() => {
        const w = window as unknown as { __benchResult?: unknown; __benchError?: string };
        return {
          result: w.__benchResult,
          error: w.__benchError,
          status: document.getElementById('status')?.textContent ?? '',
        };
      });
      if (state.error) throw new Error(state.error);
      if (state.result) {
        process.stdout.write(`${JSON.stringify(state.result, null, json ? undefined : 2)}\n`);
        return;
      }
      if (state.status !== last) log(state.status);
      last = state.status;
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await browser.close();
    stop();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
