/** What the dataset benchmark page (bench-data.html) reports to `npm run bench:data`. */
import type { ImportTimings } from '../../src/data/importer';

export interface LoaderEpoch {
  images: number;
  batches: number;
  seconds: number;
  imagesPerSec: number;
  /** From opening the epoch to its first batch (the first window's read). */
  firstBatchMs: number;
}

export interface DataBenchReport {
  /** From sending the import to the app's import worker to its reply: fetched, parsed,
   * statistics computed, stored and committed. */
  importSeconds: number;
  /** Shuffled training batches served per second by the loader, over all epochs run. */
  loaderImagesPerSec: number;
  images: number;
  trainImages: number;
  testImages: number;
  shards: number;
  /** The six .bin files as served. */
  sourceBytes: number;
  /** Pixels and labels stored (the manifest's bytes). */
  storedBytes: number;
  /** navigator.storage.estimate().usage with the data set stored. */
  storageUsageBytes: number | null;
  /** The import worker's own count, from command to commit. */
  importWorkerSeconds: number;
  /** Where the import's time went (the last progress event's timings). */
  importTimings: ImportTimings | null;
  mean: [number, number, number];
  std: [number, number, number];
  checksum: string;
  loader: {
    batchSize: number;
    prefetch: number;
    epochs: LoaderEpoch[];
    shardsRead: number;
    bytesRead: number;
    /** The most shard bytes the loader held at once: its memory bound. */
    peakHeldBytes: number;
  };
  /** Chromium's usedJSHeapSize (null where the browser has no performance.memory). */
  jsHeapBytes: { beforeImport: number | null; peakDuringLoader: number | null };
  userAgent: string;
  hardwareConcurrency: number;
}

/** `npm run bench:data -- --gzip-gb N`: one large gzip imported by URL (the page's part). */
export interface StreamedImportReport {
  mode: 'streamed';
  source: string;
  /** The file's size as served (gzip, MAT or Parquet). */
  sourceBytes: number;
  images: number;
  storedBytes: number;
  storageUsageBytes: number | null;
  importSeconds: number;
  imagesPerSec: number;
  importTimings: ImportTimings | null;
  userAgent: string;
  hardwareConcurrency: number;
}

/** What the script adds: the tab's memory, read from /proc while the import ran. */
export interface TabMemory {
  /** The largest resident set of one renderer process (the tab: page and its workers). */
  peakTabRssBytes: number;
  /** The kernel's own peak (VmHWM) of that renderer process, at the end. */
  tabHwmBytes: number;
  /** The largest sum over all renderer processes at one sample. */
  peakRenderersRssBytes: number;
  /** The tab's resident set before the import started. */
  tabRssBeforeBytes: number;
  /**
   * The tab's largest private memory footprint (anonymous resident memory and swap, without
   * mapped files): what Chrome's Task Manager shows as the tab's "Memory footprint".
   */
  peakTabPrivateBytes: number;
  /** The tab's private memory footprint before the import started. */
  tabPrivateBeforeBytes: number;
  /** What the tab's resident set was made of before the import started (null: not read). */
  beforeBreakdown: TabMemoryBreakdown | null;
  /**
   * The median of the tab's sampled resident set over the import: steadier than the peak,
   * which moves by tens of MB with when V8 happens to collect (for comparing variants).
   */
  tabRssMedianBytes: number;
  /** What the tab's resident set was made of at its sampled peak (null: not read). */
  peakBreakdown: TabMemoryBreakdown | null;
  samples: number;
  sampleMs: number;
}

/**
 * A renderer's resident set by where it lies (from /proc/PID/smaps, by address range: Chromium
 * reserves the V8 sandbox, about 1 TiB, and PartitionAlloc's pools, 16 GiB each).
 */
export interface TabMemoryBreakdown {
  /** Mapped files: Chromium's code and data. */
  filesBytes: number;
  /** The V8 sandbox: every ArrayBuffer's bytes (live or garbage not yet collected), JS heaps. */
  v8SandboxBytes: number;
  /** PartitionAlloc's pools: Blink's own allocations (IndexedDB values, WebCrypto, streams). */
  partitionAllocBytes: number;
  /** The rest: malloc, stacks, shared memory. */
  otherBytes: number;
}
