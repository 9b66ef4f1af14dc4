/**
 * Offline after the first visit (a classroom with poor Wi-Fi still trains). The app is served
 * here by its own small static server over ./dist, so that cutting the network is real: the
 * server is closed and every request to it is refused, as when the Wi-Fi drops. (Playwright's
 * offline emulation also blocks the service worker's own responses in Chromium.)
 */
import { cpSync, createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { PlaygroundPage } from './playgroundPage';
import { waitForSample } from './playgroundSample';
import { pressStart } from './startHelpers';

const DIST = resolve('dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain',
  '.gz': 'application/gzip',
  '.png': 'image/png',
};

/**
 * A static server on a free port over a copy of ./dist (the preview server cannot be stopped;
 * the copy keeps a concurrent `vite build` from changing the files under the test).
 */
function serveDist(root: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!.split('#')[0]!);
    let file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root)) file = join(root, 'index.html');
    if (!existsSync(file) || statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': String(statSync(file).size),
      'Cache-Control': 'no-cache',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () =>
      ok({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

test('the page reloaded with the network cut off still opens and trains (offline after the first visit)', async ({
  page,
}, info) => {
  test.setTimeout(240_000);
  // `npm run e2e` builds first; a build without its service worker is a failure, not a skip.
  expect(
    existsSync(join(DIST, 'sw.js')),
    'dist/sw.js: the production build has no service worker',
  ).toBe(true);
  const root = mkdtempSync(join(tmpdir(), 'dmrnet-offline-'));
  cpSync(DIST, root, { recursive: true });
  const { server, origin } = await serveDist(root);
  let serverOpen = true;
  try {
    // First visit: the service worker installs (precaching the app, its workers and the
    // shipped sample) and the app installs the sample into IndexedDB by itself.
    const app = new PlaygroundPage(page, info);
    await page.goto(`${origin}/`);
    await expect(page.getByRole('status', { name: 'Training backend' })).toHaveText(
      /WebGPU|WebGL|CPU/,
      { timeout: 60_000 },
    );
    await waitForSample(page, 'CIFAR-10 sample');
    await expect
      .poll(
        () =>
          page.evaluate(async () => {
            const reg = await navigator.serviceWorker.getRegistration();
            const controller = navigator.serviceWorker.controller;
            return reg?.active?.state === 'activated' && controller?.state === 'activated';
          }),
        { message: 'the service worker installed and controls the page', timeout: 90_000 },
      )
      .toBe(true);

    // The network is cut off: the server stops and refuses every connection.
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
    serverOpen = false;
    const refused = await new Promise<boolean>((ok) =>
      get(`${origin}/index.html`, () => ok(false)).on('error', () => ok(true)),
    );
    expect(refused, 'the network is really cut off').toBe(true);

    // The service worker still controls the page; reloaded with the network gone, it answers
    // the navigation and every file from its precache.
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.state)).toBe('activated');
    await page.reload();
    await expect(page.getByRole('status', { name: 'Training backend' })).toHaveText(
      /WebGPU|WebGL|CPU/,
      { timeout: 60_000 },
    );
    // The page opens and shows the network.
    await expect(app.params).toHaveText('349,402');
    await expect(app.graph).toBeVisible();
    await app.shot('offline-reloaded');

    // A tiny run trains a few steps offline, on the sample stored on the first visit.
    await app.preset.selectOption({ label: 'Tiny classroom DMRNet (trains in seconds)' });
    await app.tinyHyperparameters(2, 0);
    const training = page.locator('.training-panel');
    await training.getByLabel('Dataset').selectOption('CIFAR-10 sample');
    await pressStart(page);
    const row = page.getByTestId('run-row').first();
    await expect(row).toHaveAttribute('data-status', 'finished', { timeout: 150_000 });
    await expect(row.getByTestId('run-best-error')).toHaveText(/^\d+\.\d\d%$/);
    await app.shot('offline-trained', page.locator('main'));
  } finally {
    if (serverOpen) {
      server.closeAllConnections();
      server.close();
    }
    rmSync(root, { recursive: true, force: true });
  }
});
