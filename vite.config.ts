import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Connect, Plugin } from 'vite';

/**
 * Serves data/cifar-10-batches-bin/ (written by `npm run data:cifar10`, ignored by git) at
 * /data/cifar-10-batches-bin/ in the dev and preview servers, so the app can import the full
 * CIFAR-10 by URL. Only the six official file names are served, and data/bench/'s generated
 * inputs (scripts/make-big-gzip.ts, scripts/make-big-inputs.ts).
 */
export function serveCifar10Data(): Plugin {
  const folder = resolve('data', 'cifar-10-batches-bin');
  const benchFolder = resolve('data', 'bench');
  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const match = /^\/data\/cifar-10-batches-bin\/((?:data_batch_[1-5]|test_batch)\.bin)$/.exec(
      path,
    );
    // The large generated inputs of `npm run bench:data -- --gzip-gb N`, sent as they are
    // (no Content-Encoding: the import itself decompresses them, as a downloaded .gz).
    // And --mat-mb / --parquet-mb's MAT and Parquet files (scripts/make-big-inputs.ts).
    const big =
      /^\/data\/bench\/(cifar10-[0-9.]+gb\.bin\.gz|svhn-[0-9.]+mb\.mat|cifar10-[0-9.]+mb\.parquet)$/.exec(
        path,
      );
    const file = match ? join(folder, match[1]!) : big ? join(benchFolder, big[1]!) : null;
    if (!file || !existsSync(file)) return next();
    res.setHeader(
      'Content-Type',
      big?.[1]!.endsWith('.gz') ? 'application/gzip' : 'application/octet-stream',
    );
    res.setHeader('Content-Length', String(statSync(file).size));
    // 1 MiB reads: with the default 64 KiB, serving the 176 MiB took node about 1 s of CPU
    // (a 30 MB file in 0.14-0.3 s against 0.04-0.05 s), most of a full import's time.
    createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res);
  };
  return {
    name: 'serve-cifar10-data',
    configureServer: (server) => void server.middlewares.use(middleware),
    configurePreviewServer: (server) => void server.middlewares.use(middleware),
  };
}

export default defineConfig({
  plugins: [
    react(),
    serveCifar10Data(),
    // Offline after the first visit (a classroom with poor Wi-Fi still trains): the service
    // worker precaches the app, its workers (tfjs and its WebGPU kernels are bundled into
    // them) and the shipped CIFAR-10 sample in public/sample.
    VitePWA({
      registerType: 'autoUpdate',
      // src/app/registerServiceWorker.ts registers it, from the app's page only.
      injectRegister: false,
      manifest: {
        name: 'DMRNet Playground',
        short_name: 'DMRNet',
        description: 'Build and train merge-and-run networks in the browser',
        theme_color: '#1d4e89',
        background_color: '#f7f7f4',
        display: 'standalone',
        icons: [{ src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml' }],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,json,wasm,gz,txt}'],
        // The workers bundle tfjs (several MiB); the sample's training file is 4.3 MiB.
        maximumFileSizeToCacheInBytes: 32 * 1024 * 1024,
        navigateFallback: 'index.html',
        // Take over the page that installed it, so that a classroom going offline right after
        // the first visit still has the app.
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
  ],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'lint/**/*.test.ts'],
    // The PyTorch integration tests take minutes: `npm run test:torch` (vitest.torch.config.ts).
    exclude: ['**/node_modules/**', 'src/**/*.torch.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
