/**
 * `npm run bench:data [-- --json] [-- --batch N --epochs N --port N --dist DIR --no-build --keep]`
 *
 * The dataset benchmark: the full CIFAR-10 (60,000 images from the six official .bin files,
 * fetched first with `npm run data:cifar10` when data/cifar-10-batches-bin/ lacks them) is
 * served by `vite preview`, imported in headless Chromium through the app's own import worker
 * into IndexedDB (fetched, parsed, statistics computed, stored atomically), then read back as
 * shuffled training batches through the training worker's streaming loader. Prints a table, or
 * with --json one JSON object with `importSeconds` and `loaderImagesPerSec` (progress goes to
 * stderr). --keep leaves the imported data set in the browser profile (a fresh one each run).
 * --gzip-gb N instead imports one generated N GiB gzip of CIFAR-10 records and reports the
 * tab's peak memory during it (`memory`, read from /proc; see mainStreamed below).
 * --mat-mb N and --parquet-mb N do the same for a generated SVHN .mat (uncompressed) or Hugging
 * Face CIFAR-10 Parquet file of about N MiB (scripts/make-big-inputs.ts), read in slices.
 * --dist builds the tools into and serves another folder than dist-tools/ (so it cannot race another build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sep } from 'node:path';
import type { DataBenchReport, StreamedImportReport } from '../tools/bench/dataBenchReport';
import { CIFAR10_BIN_FILES, LOCAL_CIFAR10_PATH } from '../src/model/datasetSources';
import { benchPageResult, inBrowser, TOOLS_DIST } from './appInBrowser';
import { isPositiveInteger, numberOption, scriptOptions, usageError } from './cliArgs';
import { makeBigGzip } from './make-big-gzip';
import { makeBigMat, makeBigParquet } from './make-big-inputs';
import { watchTabMemory } from './tabMemory';

const SCRIPT = 'scripts/bench-data.ts';
const values = scriptOptions(
  {
    json: { type: 'boolean' },
    'no-build': { type: 'boolean' },
    keep: { type: 'boolean' },
    batch: { type: 'string' },
    epochs: { type: 'string' },
    port: { type: 'string' },
    dist: { type: 'string' },
    'gzip-gb': { type: 'string' },
    'mat-mb': { type: 'string' },
    'parquet-mb': { type: 'string' },
  },
  SCRIPT,
);
const flag = (name: 'json' | 'no-build' | 'keep') => values[name] === true;
const option = (name: 'batch' | 'epochs' | 'port', fallback: number) =>
  numberOption(values[name], name, fallback, isPositiveInteger, 'a positive whole number', SCRIPT);

const json = flag('json');
const log = (m: string) => (json ? process.stderr : process.stdout).write(`${m}\n`);
const port = option('port', 4181);
const dist = values.dist ?? TOOLS_DIST;
if (!dist) usageError('--dist needs a folder (got nothing)', SCRIPT);
const query = new URLSearchParams({
  batch: String(option('batch', 128)),
  epochs: String(option('epochs', 2)),
});
if (flag('keep')) query.set('keep', '1');
/** The tools' build in `dist`, served on `port` (a fresh browser profile each run). */
const served = { port, build: !flag('no-build'), toolsDist: dist, quiet: json, log };

/** The six files, written and MD5-checked by `npm run data:cifar10` when any is missing. */
function ensureData(): void {
  const folder = join(...LOCAL_CIFAR10_PATH.split('/').filter(Boolean));
  if (CIFAR10_BIN_FILES.every((f) => existsSync(join(folder, f)))) return;
  log(`${folder} lacks the CIFAR-10 .bin files: running npm run data:cifar10…`);
  const fetched = spawnSync('npx', ['tsx', 'scripts/data-cifar10.ts'], {
    stdio: ['ignore', json ? process.stderr : 'inherit', 'inherit'],
  });
  if (fetched.status !== 0) throw new Error('npm run data:cifar10 failed');
}

const MB = 2 ** 20;
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function table(r: DataBenchReport, browser: string): string {
  const t = r.importTimings;
  const rows: [string, string][] = [
    ['browser', `${browser} (${r.hardwareConcurrency} logical cores)`],
    ['images', `${fmt(r.images)} (${fmt(r.trainImages)} train, ${fmt(r.testImages)} test)`],
    ['shards', fmt(r.shards)],
    ['source bytes', `${fmt(r.sourceBytes / MB, 1)} MiB`],
    ['stored bytes', `${fmt(r.storedBytes / MB, 1)} MiB`],
    ['import', `${fmt(r.importSeconds, 2)} s (${fmt(r.images / r.importSeconds)} images/s)`],
  ];
  if (t) {
    rows.push(
      ['  fetch (wall, overlapped)', `${fmt(t.fetchSeconds, 2)} s`],
      ['  waiting for bytes', `${fmt(t.waitSeconds, 2)} s`],
      ['  decode', `${fmt(t.decodeSeconds, 2)} s`],
      ['  shards + statistics', `${fmt(t.shardSeconds, 2)} s`],
      ['  waiting for writes', `${fmt(t.storeSeconds, 2)} s`],
      ['  checksum + commit', `${fmt(t.commitSeconds, 2)} s`],
    );
  }
  rows.push([
    'loader',
    `${fmt(r.loaderImagesPerSec)} images/s (shuffled, batch ${r.loader.batchSize})`,
  ]);
  r.loader.epochs.forEach((e, i) =>
    rows.push([
      `  epoch ${i}`,
      `${fmt(e.imagesPerSec)} images/s, ${fmt(e.seconds, 2)} s, first batch ${fmt(e.firstBatchMs)} ms`,
    ]),
  );
  rows.push(['loader peak shard bytes held', `${fmt(r.loader.peakHeldBytes / MB, 1)} MiB`]);
  if (r.jsHeapBytes.peakDuringLoader !== null) {
    rows.push(['JS heap peak during loader', `${fmt(r.jsHeapBytes.peakDuringLoader / MB, 1)} MiB`]);
  }
  rows.push(['mean (R, G, B)', r.mean.map((v) => fmt(v, 2)).join(', ')]);
  rows.push(['std (R, G, B)', r.std.map((v) => fmt(v, 2)).join(', ')]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/**
 * --gzip-gb N: the memory bound of a streamed import (issue #15). A generated gzip of N GiB of
 * valid CIFAR-10 records (scripts/make-big-gzip.ts, into the ignored data/bench/) is imported
 * by URL from the preview server while /proc is read for the tab's resident set; the JSON
 * gains `memory` (scripts/tabMemory.ts). Decompression and parsing stream in shard-sized
 * pieces, so the peak should not grow with the file.
 */
async function mainStreamed(path: string, kind: 'cifar10' | 'svhn'): Promise<void> {
  await inBrowser({ ...served, webgpu: false }, async (page, browser) => {
    const memory = watchTabMemory(100);
    try {
      const source = `/${path.split(sep).join('/')}`;
      const url = `http://127.0.0.1:${port}/bench-data.html?${new URLSearchParams({ source, kind, ...(flag('keep') ? { keep: '1' } : {}) })}`;
      // The baseline: the page loaded, the import about to start.
      void page
        .waitForFunction(
          () => (window as unknown as { __importStarted?: boolean }).__importStarted,
          undefined,
          {
            timeout: 0,
            polling: 50,
          },
        )
        .then(
          () => memory.begin(),
          () => undefined,
        );
      const report = (await benchPageResult(page, url, log, 500)) as StreamedImportReport;
      const tab = memory.stop();
      const browserVersion = `Chromium ${browser.version()}`;
      const out = { ...report, memory: tab, browser: browserVersion };
      if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
      else {
        process.stdout.write(
          [
            `browser                 ${browserVersion}`,
            `source                  ${fmt(report.sourceBytes / MB)} MiB (${report.source})`,
            `images                  ${fmt(report.images)} (${fmt(report.storedBytes / MB)} MiB stored)`,
            `import                  ${fmt(report.importSeconds, 1)} s (${fmt(report.imagesPerSec)} images/s)`,
            `tab peak RSS            ${fmt(tab.peakTabRssBytes / MB)} MiB (before: ${fmt(tab.tabRssBeforeBytes / MB)} MiB, kernel peak ${fmt(tab.tabHwmBytes / MB)} MiB)`,
            `tab median RSS          ${fmt(tab.tabRssMedianBytes / MB)} MiB`,
            `tab peak private        ${fmt(tab.peakTabPrivateBytes / MB)} MiB (before: ${fmt(tab.tabPrivateBeforeBytes / MB)} MiB; Chrome's Task Manager "Memory footprint")`,
            ...(
              [
                ['before', tab.beforeBreakdown],
                ['at the peak', tab.peakBreakdown],
              ] as const
            ).flatMap(([when, b]) =>
              b
                ? [
                    `  ${when.padEnd(22)}files ${fmt(b.filesBytes / MB)}, V8 sandbox ${fmt(b.v8SandboxBytes / MB)}, PartitionAlloc ${fmt(b.partitionAllocBytes / MB)}, other ${fmt(b.otherBytes / MB)} MiB`,
                  ]
                : [],
            ),
            `all renderers, peak     ${fmt(tab.peakRenderersRssBytes / MB)} MiB (${tab.samples} samples, ${tab.sampleMs} ms apart)`,
          ].join('\n') + '\n',
        );
      }
    } finally {
      memory.stop();
    }
  });
}

async function main(): Promise<void> {
  if (values['gzip-gb'] !== undefined) {
    const gb = numberOption(
      values['gzip-gb'],
      'gzip-gb',
      1,
      (n) => n > 0 && n <= 64,
      'a size in GiB between 0 and 64 (e.g. 1 or 0.25)',
      SCRIPT,
    );
    return mainStreamed(await makeBigGzip(gb, log), 'cifar10');
  }
  for (const [option, make, kind] of [
    ['mat-mb', makeBigMat, 'svhn'],
    ['parquet-mb', makeBigParquet, 'cifar10'],
  ] as const) {
    if (values[option] === undefined) continue;
    const mb = numberOption(
      values[option],
      option,
      256,
      (n) => n > 0 && n <= 16384,
      'a size in MiB between 0 and 16384 (e.g. 512)',
      SCRIPT,
    );
    return mainStreamed(await make(mb, log), kind);
  }
  ensureData();
  await inBrowser({ ...served, webgpu: false }, async (page, browser) => {
    const url = `http://127.0.0.1:${port}/bench-data.html?${query}`;
    const report = (await benchPageResult(page, url, log, 200)) as DataBenchReport;
    const browserVersion = `Chromium ${browser.version()}`;
    process.stdout.write(
      `${json ? JSON.stringify({ ...report, browser: browserVersion }) : table(report, browserVersion)}\n`,
    );
  });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
