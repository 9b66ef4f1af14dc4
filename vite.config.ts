import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  plugins: [
    react(),
    // Offline after the first visit (a classroom with poor Wi-Fi still trains): the service
    // worker precaches the app, its workers (tfjs and its WebGPU kernels are bundled into
    // them) and the shipped CIFAR-10 sample in public/sample.
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script',
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
        globIgnores: ['bench*.html', 'assets/bench*'],
        // The workers bundle tfjs (several MiB); the sample's training file is 4.3 MiB.
        maximumFileSizeToCacheInBytes: 32 * 1024 * 1024,
        navigateFallback: 'index.html',
        // Take over the page that installed it, so that a classroom going offline right after
        // the first visit still has the app.
        clientsClaim: true,
        skipWaiting: true,
        navigateFallbackDenylist: [/^\/bench/],
      },
    }),
  ],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // bench.html: the fused-step checks (e2e/fused.spec.ts) and benchmark (npm run bench).
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
