/**
 * The tools' build: the benchmark and GPU-check pages (bench.html: the fused-step checks of
 * e2e/fused.spec.ts and `npm run bench`; bench-data.html: `npm run bench:data`). Not the
 * product: built into dist-tools/ by the scripts that use it, never into dist/.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { serveCifar10Data } from '../vite.config.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  publicDir: false,
  plugins: [serveCifar10Data()],
  worker: { format: 'es' },
  build: {
    outDir: here('../dist-tools'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: { bench: here('bench.html'), benchData: here('bench-data.html') },
    },
  },
});
