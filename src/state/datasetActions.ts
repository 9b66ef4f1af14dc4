/**
 * The dataset panel's actions on the store's datasets part (datasetSlice.ts): the list of
 * stored datasets, storage usage, the running import (through the import worker) and the preview.
 * The list, the preview, deleting a dataset and the "sample installed" flag go straight to
 * IndexedDB (why they are not behind the import worker: docs/data.md, "Who opens the dataset
 * store"); imports run in the worker.
 */
import { createDataClient, type DataClient } from '../protocol/import';
import {
  deleteDataset,
  getMeta,
  listManifests,
  openDatasetDb,
  readShard,
  setMeta,
  type DatasetDb,
  type DatasetManifest,
  type Split,
} from '../storage/datasetStore';
import type { ImportRequest } from '../model/dataset';
import type { DatasetPanelState } from './datasetSlice';
import { useAppStore } from './store';
import { SAMPLE_DATASET_NAME, sampleRequest } from '../model/datasetSources';
import { ImportWatchdog, type StuckReason } from './importWatchdog';
import { lostDataMessage, missingSinceMarker, writeMarker } from '../storage/storedMarker';

/** Merges `patch` (or what it computes from the current state) into the store's datasets part. */
function setData(
  patch: Partial<DatasetPanelState> | ((d: DatasetPanelState) => Partial<DatasetPanelState>),
): void {
  useAppStore.setState((s) => ({
    data: { ...s.data, ...(typeof patch === 'function' ? patch(s.data) : patch) },
  }));
}

const PREVIEW_IMAGES = 40;
const SAMPLE_META_KEY = 'sampleInstalled';

let dbPromise: Promise<DatasetDb> | null = null;
let client: DataClient | null = null;
let worker: Worker | null = null;

/** No progress for this long: the import worker is stuck and is ended (see ImportWatchdog). */
export const IMPORT_STALL_MS = 30_000;
/** Cancel must have ended an import within this long, or its worker is ended. */
export const IMPORT_CANCEL_GRACE_MS = 3_000;

/** The running import's watchdog and the way to fail its reply when its worker is ended. */
let watched: { id: number; watchdog: ImportWatchdog; abandon: (message: string) => void } | null =
  null;

const STORE_CLOSED =
  'The playground was updated in another tab, so this tab closed its dataset storage to let the update finish: reload this tab to go on.';

function database(): Promise<DatasetDb> {
  dbPromise ??= openDatasetDb(undefined, {
    onVersionChange: () => {
      dbPromise = Promise.reject(new Error(STORE_CLOSED));
      dbPromise.catch(() => undefined);
      setData({ closed: STORE_CLOSED });
    },
  });
  return dbPromise;
}

let markerChecked = false;

/**
 * Compares what is stored with the marker kept apart from IndexedDB (once, at start-up): a
 * dataset the marker names and the store lacks was dropped by the browser. Then records what
 * is stored now.
 */
function checkMarker(names: string[]): void {
  if (typeof localStorage === 'undefined') return;
  if (!markerChecked) {
    markerChecked = true;
    const missing = missingSinceMarker(localStorage, 'datasets', names);
    if (missing.length > 0) setData({ lost: lostDataMessage(missing, 0) });
  }
  writeMarker(localStorage, 'datasets', names);
}

/**
 * The question asked before deleting a dataset: it names the runs that train on it (they
 * could not resume without it).
 */
export function deletionQuestion(name: string): string {
  const { runs, order } = useAppStore.getState().training;
  const users = order
    .map((id) => runs[id])
    .filter((r) => r !== undefined && r.config.dataset === name)
    .map((r) => `“${r!.config.name}” (${r!.status})`);
  const base = `Delete the dataset “${name}” from this browser?`;
  if (users.length === 0) return base;
  return (
    `${base} ${users.length === 1 ? 'The run' : `These ${users.length} runs`} ` +
    `${users.join(', ')} ${users.length === 1 ? 'trains' : 'train'} on it and could not resume ` +
    `without it (their results stay).`
  );
}

function dataClient(): DataClient {
  if (!client) {
    worker = new Worker(new URL('../data/import.worker.ts', import.meta.url), {
      type: 'module',
    });
    client = createDataClient(worker);
    client.on('importProgress', (event) => {
      const running = useAppStore.getState().data.running;
      if (running && running.id === event.importId) {
        if (watched?.id === event.importId) watched.watchdog.progress();
        const { phase, images, fraction, imagesPerSec, secondsLeft } = event;
        setData({
          running: {
            ...running,
            progressAt: performance.now(),
            progress: { phase, images, fraction, imagesPerSec, secondsLeft },
          },
        });
      }
    });
  }
  return client;
}

/**
 * Ends a stuck import worker. A fresh worker is started at once: on start it collects the
 * pending record and shards the old one left (their Web Lock went with it).
 */
function endStuckWorker(reason: StuckReason): void {
  const current = watched;
  client?.dispose();
  worker?.terminate();
  client = null;
  worker = null;
  current?.abandon(
    reason === 'cancel-ignored'
      ? 'Import cancelled: the import did not stop by itself, so it was ended. Nothing was stored.'
      : `The import made no progress for ${IMPORT_STALL_MS / 1000} s and was ended (the download stalled, or the file is damaged). Nothing was stored; check the file or URL and import again.`,
  );
  dataClient();
}

function baseUrl(): string {
  return new URL(import.meta.env.BASE_URL, window.location.href).href;
}

export async function refreshDatasets(): Promise<void> {
  const db = await database();
  const datasets = await listManifests(db);
  checkMarker(datasets.map((d) => d.name));
  setData({ datasets, loaded: true });
  await refreshStorage();
}

export async function refreshStorage(): Promise<void> {
  const storage = navigator.storage;
  if (!storage?.estimate) return;
  const [estimate, persisted] = await Promise.all([
    storage.estimate(),
    storage.persisted ? storage.persisted() : Promise.resolve(null),
  ]);
  setData({
    storage: {
      usage: estimate.usage ?? null,
      quota: estimate.quota ?? null,
      persisted,
    },
  });
}

/** Asks the browser to keep our data under storage pressure (no prompt in Chromium). */
export async function requestPersistence(): Promise<void> {
  if (!navigator.storage?.persist) return;
  const persisted = await navigator.storage.persist().catch(() => false);
  setData((d) => ({ storage: { ...d.storage, persisted } }));
}

/** Runs one import in the worker; resolves with the manifest, or null when it failed. */
export async function startImport(request: ImportRequest): Promise<DatasetManifest | null> {
  if (useAppStore.getState().data.running) {
    setData({
      message: { kind: 'error', text: 'An import is already running; wait for it or cancel it.' },
    });
    return null;
  }
  const c = dataClient();
  const id = c.post('importDataset', { request });
  // The reply is matched by command id: `imported` when stored, `error` otherwise.
  let abandon: (message: string) => void = () => undefined;
  const reply = new Promise<{ manifest: DatasetManifest; seconds: number; duplicate?: boolean }>(
    (resolve, reject) => {
      const stop = (): void => {
        offDone();
        offError();
      };
      const offDone = c.on('imported', (event) => {
        if (event.replyTo !== id) return;
        stop();
        resolve(event);
      });
      const offError = c.on('error', (event) => {
        if (event.replyTo !== id) return;
        stop();
        reject(new Error(event.message));
      });
      abandon = (message) => {
        stop();
        reject(new Error(message));
      };
    },
  );
  const watchdog = new ImportWatchdog(IMPORT_STALL_MS, IMPORT_CANCEL_GRACE_MS, endStuckWorker);
  watched = { id, watchdog, abandon };
  setData({
    running: {
      id,
      name: request.name,
      progress: null,
      progressAt: performance.now(),
      cancelling: false,
    },
    message: null,
  });
  void requestPersistence();
  try {
    const { manifest, seconds, duplicate } = await reply;
    if (duplicate) {
      // Offered as the dataset it duplicates (DatasetPanel: "Train on …"); nothing was stored.
      setData({
        message: {
          kind: 'duplicate',
          dataset: manifest.name,
          text: `"${request.name}" holds the same images as "${manifest.name}", already imported: nothing new was stored.`,
        },
      });
      return manifest;
    }
    const images = Object.values(manifest.splits).reduce((s, v) => s + (v?.count ?? 0), 0);
    setData({
      message: {
        kind: 'done',
        text: `Imported "${manifest.name}": ${images.toLocaleString('en-US')} images in ${seconds.toFixed(1)} s.`,
      },
    });
    return manifest;
  } catch (error) {
    setData({
      message: { kind: 'error', text: error instanceof Error ? error.message : String(error) },
    });
    return null;
  } finally {
    watchdog.stop();
    if (watched?.id === id) watched = null;
    setData({ running: null });
    await refreshDatasets();
  }
}

/**
 * Cancels the running import. The worker stops at its next check and deletes what it wrote;
 * if it has not ended within IMPORT_CANCEL_GRACE_MS (a wedged decoder), it is terminated.
 */
export function cancelImport(): void {
  const running = useAppStore.getState().data.running;
  if (!running || !client || running.cancelling) return;
  setData({ running: { ...running, cancelling: true } });
  client.post('cancelImport', { importId: running.id });
  if (watched?.id === running.id) watched.watchdog.cancelRequested();
}

export async function removeDataset(name: string): Promise<void> {
  const db = await database();
  await deleteDataset(db, name);
  if (useAppStore.getState().data.preview?.name === name) setData({ preview: null });
  await refreshDatasets();
}

export async function showPreview(name: string): Promise<void> {
  const db = await database();
  const manifest = useAppStore.getState().data.datasets.find((d) => d.name === name);
  if (!manifest) return;
  const split: Split = manifest.splits.train ? 'train' : 'test';
  try {
    const shard = await readShard(db, manifest.storageId, split, 0);
    const count = Math.min(PREVIEW_IMAGES, shard.count);
    setData({
      preview: {
        name,
        split,
        pixels: shard.pixels.slice(0, count * 3072),
        labels: Array.from(
          shard.labels.subarray(0, count),
          (l) => manifest.labelNames[l] ?? String(l),
        ),
      },
    });
  } catch (error) {
    setData({
      message: { kind: 'error', text: error instanceof Error ? error.message : String(error) },
    });
  }
}

/**
 * On first open, installs the shipped CIFAR-10 sample, so the playground trains on real
 * images out of the box. Once installed (even if later deleted) it is not forced back: the
 * panel offers a button instead.
 */
export async function ensureSampleInstalled(): Promise<void> {
  // The import worker starts with the page: on start it collects what an import interrupted
  // by a reload or a closed tab left (issue #19: those shards once stayed for 6 hours).
  dataClient();
  const db = await database();
  const present = (await listManifests(db)).some((m) => m.name === SAMPLE_DATASET_NAME);
  if (present) {
    setData({ sample: 'installed' });
    return;
  }
  if (await getMeta<boolean>(db, SAMPLE_META_KEY)) {
    setData({ sample: 'absent' });
    return;
  }
  await installSample();
}

export async function installSample(): Promise<void> {
  setData({ sample: 'installing' });
  const manifest = await startImport(sampleRequest(baseUrl()));
  const db = await database();
  const present = (await listManifests(db)).some((m) => m.name === SAMPLE_DATASET_NAME);
  if (manifest || present) await setMeta(db, SAMPLE_META_KEY, true);
  setData({ sample: present ? 'installed' : 'absent' });
}

export { baseUrl };

/**
 * Resolves once no import runs and the sample's installation has been decided (the device
 * measurement waits for it: an import on the same cores would make the device look slower).
 */
export function whenDataIdle(timeoutMs = 60_000): Promise<void> {
  const idle = (s: DatasetPanelState) =>
    s.running === null && (s.sample === 'installed' || s.sample === 'absent');
  if (idle(useAppStore.getState().data)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const stop = useAppStore.subscribe((s) => {
      if (idle(s.data)) done();
    });
    function done() {
      clearTimeout(timer);
      stop();
      resolve();
    }
  });
}
