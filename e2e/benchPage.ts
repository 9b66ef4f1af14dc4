/**
 * The bench page (tools/bench.html) for the specs that run one of its modes: it is a tool, not
 * in the app's build, so it is built here into dist-tools/ and served on E2E_TOOLS_PORT, else
 * on the port after the app's.
 */
import { test, type Page } from '@playwright/test';
import {
  benchPageResult,
  buildApp,
  startPreview,
  TOOLS_CONFIG,
  TOOLS_DIST,
} from '../scripts/appInBrowser';

const TOOLS_PORT = Number(process.env.E2E_TOOLS_PORT ?? Number(process.env.E2E_PORT ?? 4173) + 1);

/** Builds and serves the bench page before the calling spec file's tests; stops it after. */
export function serveBenchPage(): void {
  let stop: (() => void) | undefined;
  test.beforeAll(async () => {
    test.setTimeout(300_000);
    buildApp(true, TOOLS_DIST, TOOLS_CONFIG);
    stop = await startPreview(TOOLS_PORT, TOOLS_DIST, TOOLS_CONFIG);
  });
  test.afterAll(() => stop?.());
}

/**
 * Opens bench.html in `mode` and waits (as long as the test may) for the report it leaves on
 * `window.__benchResult`; the page's `window.__benchError` fails the test with its message.
 */
export async function benchReport<T>(page: Page, mode: string): Promise<T> {
  const url = `http://127.0.0.1:${TOOLS_PORT}/bench.html?mode=${mode}`;
  return (await benchPageResult(page, url, () => {}, 500)) as T;
}
