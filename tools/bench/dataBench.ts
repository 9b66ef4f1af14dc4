/**
 * The dataset benchmark page (bench-data.html, run by `npm run bench:data`): imports the full
 * CIFAR-10 from the six .bin files the preview server serves, through the app's own import
 * worker (src/data/import.worker.ts, by URL, into the real IndexedDB store), then reads one or
 * more shuffled epochs of training batches through the training worker's loader
 * (src/data/loader.ts). Publishes one JSON report on `window.__benchResult`.
 */
import { deleteDataset, openDatasetDb, type DatasetManifest } from '../../src/storage/datasetStore';
import type { ImportProgress } from '../../src/data/importer';
import { openBatches, type LoaderStats } from '../../src/data/loader';
import type { ImportRequest } from '../../src/model/dataset';
import { CIFAR10_BIN_FILES, localCifar10Request } from '../../src/model/datasetSources';
import { createDataClient } from '../../src/protocol/import';
import type { DataBenchReport, LoaderEpoch, StreamedImportReport } from './dataBenchReport';

declare global {
  interface Window {
    __benchResult?: unknown;
    __benchError?: string;
  }
}

/** Chromium's non-standard heap counters (JS objects; ArrayBuffer contents are not in them). */
interface ChromiumMemory {
  usedJSHeapSize: number;
}

const params = new URLSearchParams(location.search);
const status = document.getElementById('status')!;
const result = document.getElementById('result')!;

function positive(name: string, fallback: number): number {
  const v = Number(params.get(name));
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

const DATASET = params.get('name') ?? 'CIFAR-10 (bench:data)';
const BATCH = positive('batch', 128);
const EPOCHS = positive('epochs', 2);
const KEEP = params.get('keep') === '1';

const say = (text: string): void => {
  status.textContent = text;
};

function heapBytes(): number | null {
  const memory = (performance as Performance & { memory?: ChromiumMemory }).memory;
  return memory ? memory.usedJSHeapSize : null;
}

async function fileBytes(base: string): Promise<number> {
  let total = 0;
  for (const file of CIFAR10_BIN_FILES) {
    const response = await fetch(new URL(`data/cifar-10-batches-bin/${file}`, base), {
      method: 'HEAD',
    });
    if (!response.ok) {
      throw new Error(
        `The preview server does not serve data/cifar-10-batches-bin/${file} (${response.status}): run npm run data:cifar10 first.`,
      );
    }
    total += Number(response.headers.get('content-length'));
  }
  return total;
}

/** An import's stored manifest, its wall time, the worker's own time and its last timings. */
interface TimedImport {
  manifest: DatasetManifest;
  seconds: number;
  workerSeconds: number;
  timings: NonNullable<ImportProgress['timings']> | null;
}

/**
 * `request` imported through the app's import worker, timed from `onStart` (called just before
 * the import) to its reply. The worker is started and answering before the clock starts (the
 * app keeps one running; module loading is not import time), and stopped after.
 */
async function timedImport(
  request: ImportRequest,
  timeoutMs: number,
  onStart: () => void,
): Promise<TimedImport> {
  say('Starting the import worker…');
  const worker = new Worker(new URL('../../src/data/import.worker.ts', import.meta.url), {
    type: 'module',
  });
  const client = createDataClient(worker);
  try {
    await client.request('cancelImport', { importId: -1 });
    let last: ImportProgress | null = null;
    client.on('importProgress', (event) => {
      last = event;
      say(`Importing: ${event.phase}, ${event.images} images`);
    });
    onStart();
    const started = performance.now();
    const reply = await client.request('importDataset', { request }, timeoutMs);
    return {
      manifest: reply.manifest,
      seconds: (performance.now() - started) / 1000,
      workerSeconds: reply.seconds,
      timings: (last as ImportProgress | null)?.timings ?? null,
    };
  } finally {
    client.dispose();
    worker.terminate();
  }
}

async function run(): Promise<DataBenchReport> {
  const base = new URL(import.meta.env.BASE_URL, location.href).href;
  const sourceBytes = await fileBytes(base);
  const db = await openDatasetDb();
  await deleteDataset(db, DATASET);

  let heapBefore: number | null = null;
  const imported = await timedImport(localCifar10Request(base, DATASET), 600_000, () => {
    heapBefore = heapBytes();
  });
  const { manifest, seconds: importSeconds } = imported;
  const images = (manifest.splits.train?.count ?? 0) + (manifest.splits.test?.count ?? 0);
  if (images !== 60_000) throw new Error(`Expected 60,000 images, the import stored ${images}.`);

  // The loader, as the training worker opens it (prefetch 1), over the training split.
  const epochs: LoaderEpoch[] = [];
  const stats: LoaderStats = { shardsRead: 0, bytesRead: 0, peakHeldBytes: 0 };
  let peakHeap = heapBytes() ?? 0;
  const perClass = new Array<number>(manifest.classes).fill(0);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    say(`Loader: epoch ${epoch + 1} of ${EPOCHS}`);
    const t0 = performance.now();
    let served = 0;
    let batches = 0;
    let firstBatchMs = 0;
    for await (const batch of openBatches(db, {
      dataset: DATASET,
      split: 'train',
      batchSize: BATCH,
      seed: 1,
      epoch,
      shuffle: true,
      prefetch: 1,
      stats,
    })) {
      if (batches === 0) firstBatchMs = performance.now() - t0;
      for (let j = 0; j < batch.size; j++) perClass[batch.labels[j]!]!++;
      served += batch.size;
      batches++;
      if ((batches & 63) === 0) peakHeap = Math.max(peakHeap, heapBytes() ?? 0);
    }
    const seconds = (performance.now() - t0) / 1000;
    epochs.push({ images: served, batches, seconds, imagesPerSec: served / seconds, firstBatchMs });
  }
  const loaderImages = epochs.reduce((s, e) => s + e.images, 0);
  const loaderSeconds = epochs.reduce((s, e) => s + e.seconds, 0);
  if (perClass.some((n) => n !== (EPOCHS * 50_000) / manifest.classes)) {
    throw new Error(`The loader did not serve every training image once per epoch: ${perClass}`);
  }

  const estimate = await navigator.storage.estimate();
  if (!KEEP) await deleteDataset(db, DATASET);
  db.close();
  return {
    importSeconds,
    loaderImagesPerSec: loaderImages / loaderSeconds,
    images,
    trainImages: manifest.splits.train?.count ?? 0,
    testImages: manifest.splits.test?.count ?? 0,
    shards:
      (manifest.splits.train?.shardSizes.length ?? 0) +
      (manifest.splits.test?.shardSizes.length ?? 0),
    sourceBytes,
    storedBytes: manifest.bytes,
    storageUsageBytes: estimate.usage ?? null,
    importWorkerSeconds: imported.workerSeconds,
    importTimings: imported.timings,
    mean: manifest.mean,
    std: manifest.std,
    checksum: manifest.checksum,
    loader: {
      batchSize: BATCH,
      prefetch: 1,
      epochs,
      shardsRead: stats.shardsRead,
      bytesRead: stats.bytesRead,
      peakHeldBytes: stats.peakHeldBytes,
    },
    jsHeapBytes: {
      beforeImport: heapBefore,
      peakDuringLoader: heapBytes() === null ? null : peakHeap,
    },
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
}

/**
 * `?source=<url>` (npm run bench:data -- --gzip-gb N): one large file imported by URL through
 * the import worker, nothing else, so that the script can watch the tab's memory during it.
 */
async function runStreamed(
  source: string,
  kind: 'cifar10' | 'svhn',
): Promise<StreamedImportReport> {
  const head = await fetch(source, { method: 'HEAD' });
  if (!head.ok) throw new Error(`The preview server does not serve ${source} (${head.status}).`);
  const sourceBytes = Number(head.headers.get('content-length'));
  const db = await openDatasetDb();
  await deleteDataset(db, DATASET);
  const request: ImportRequest = { name: DATASET, kind, sources: [{ kind: 'url', url: source }] };
  const imported = await timedImport(request, 3_600_000, () => {
    (window as unknown as { __importStarted?: boolean }).__importStarted = true;
  });
  (window as unknown as { __importEnded?: boolean }).__importEnded = true;
  const { manifest, seconds: importSeconds } = imported;
  const images = (manifest.splits.train?.count ?? 0) + (manifest.splits.test?.count ?? 0);
  const estimate = await navigator.storage.estimate();
  say('Deleting the imported data set…');
  if (!KEEP) await deleteDataset(db, DATASET);
  db.close();
  return {
    mode: 'streamed',
    source,
    sourceBytes,
    images,
    storedBytes: manifest.bytes,
    storageUsageBytes: estimate.usage ?? null,
    importSeconds,
    imagesPerSec: images / importSeconds,
    importTimings: imported.timings,
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
}

const streamedSource = params.get('source');
const streamedKind = params.get('kind') === 'svhn' ? 'svhn' : 'cifar10';
(streamedSource
  ? runStreamed(new URL(streamedSource, location.href).href, streamedKind)
  : run()
).then(
  (report) => {
    say('Done');
    result.textContent = JSON.stringify(report, null, 2);
    window.__benchResult = report;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    say('Failed');
    result.textContent = message;
    window.__benchError = message;
  },
);
