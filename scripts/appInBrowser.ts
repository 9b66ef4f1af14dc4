/**
 * What the browser scripts (bench, bench:data, train:sample) share: build the app, serve the
 * build with `vite preview`, open it in headless Chromium with the e2e tests' flags, and read
 * the result a bench page leaves on `window`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { BASE_CHROMIUM_ARGS, WEBGPU_ARGS, chromiumPath } from '../playwright.config';

/** The benchmark and GPU-check pages' build (tools/), apart from the app's dist/. */
export const TOOLS_CONFIG = 'tools/vite.config.ts';
export const TOOLS_DIST = 'dist-tools';

/** `--config` and `--outDir` for vite (an absolute outDir: the tools' root is tools/). */
function viteArgs(outDir?: string, config?: string): string[] {
  return [
    ...(config ? ['--config', config] : []),
    ...(outDir ? ['--outDir', resolve(outDir)] : []),
  ];
}

/**
 * `vite build` of the app, or of the tools with `config` = TOOLS_CONFIG (into `outDir`, or
 * the config's own); its output only when not `quiet`.
 */
export function buildApp(quiet: boolean, outDir?: string, config?: string): void {
  const args = ['vite', 'build', ...viteArgs(outDir, config), ...(outDir ? ['--emptyOutDir'] : [])];
  const built = spawnSync('npx', args, {
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'],
  });
  if (built.status !== 0) throw new Error('vite build failed');
}

/**
 * Serves the build on 127.0.0.1:`port` and resolves once it answers; the function it returns
 * stops the server (also called when the process exits).
 */
export async function startPreview(
  port: number,
  outDir?: string,
  config?: string,
): Promise<() => void> {
  // Vite's own entry under this Node (not npx), so that kill() stops the server itself.
  const server = spawn(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      'preview',
      ...viteArgs(outDir, config),
      '--port',
      String(port),
      '--strictPort',
      '--host',
      '127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const stop = () => {
    if (server.exitCode === null) server.kill();
  };
  process.on('exit', stop);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      // Any answer means it is up (the tools' build has no index.html: a 404 there).
      await fetch(`http://127.0.0.1:${port}/`);
      return stop;
    } catch {
      // not up yet
    }
    if (server.exitCode !== null) throw new Error(`vite preview exited (is port ${port} taken?)`);
    if (Date.now() > deadline) {
      stop();
      throw new Error('vite preview did not start in 60 s');
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Headless Chromium (Debian's, or CHROMIUM_PATH) with WebGPU on when asked. */
export function launchChromium(webgpu: boolean): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: webgpu ? [...BASE_CHROMIUM_ARGS, ...WEBGPU_ARGS] : BASE_CHROMIUM_ARGS,
  });
}

/** How `inBrowser` serves and opens a build. */
export interface InBrowserOptions {
  port: number;
  /** Build first (else the last build is served). */
  build: boolean;
  /** The tools' build (TOOLS_CONFIG) in this folder; absent: the app's build in dist/. */
  toolsDist?: string;
  webgpu: boolean;
  /** Leave out vite's build output. */
  quiet: boolean;
  log: (line: string) => void;
}

/**
 * Builds (when asked), serves the build on `port`, opens a page in headless Chromium (a fresh
 * profile: nothing stored before) and runs `run` on it; closes the browser and stops the server
 * after, whatever happens.
 */
export async function inBrowser<T>(
  options: InBrowserOptions,
  run: (page: Page, browser: Browser) => Promise<T>,
): Promise<T> {
  const { port, toolsDist } = options;
  const config = toolsDist === undefined ? undefined : TOOLS_CONFIG;
  if (options.build) {
    options.log(
      toolsDist === undefined ? 'Building the app (vite build)…' : 'Building (vite build)…',
    );
    buildApp(options.quiet, toolsDist, config);
  }
  const stop = await startPreview(port, toolsDist, config);
  try {
    const browser = await launchChromium(options.webgpu);
    try {
      return await run(await browser.newPage(), browser);
    } finally {
      await browser.close();
    }
  } finally {
    stop();
  }
}

/**
 * Opens a bench page and waits for what it leaves in `window.__benchResult` (or throws its
 * `window.__benchError`), logging the page's #status line as it changes.
 */
export async function benchPageResult(
  page: Page,
  url: string,
  log: (line: string) => void,
  pollMs: number,
): Promise<unknown> {
  const response = await page.goto(url);
  if (!response?.ok()) throw new Error(`${url} answered ${response?.status()}`);
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
    if (state.result) return state.result;
    if (state.status !== last) log(state.status);
    last = state.status;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
