/**
 * The dataset panel's state and its module-level actions: the list of stored datasets,
 * storage usage, the running import (through the import worker) and the preview.
 * Reads (list, preview, delete) go straight to IndexedDB; imports run in the worker.
 */
import { create } from 'zustand';
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
import type { ImportProgress, ImportRequest } from '../model/dataset';
import { SAMPLE_DATASET_NAME, sampleRequest } from '../model/datasetSources';

export interface StorageInfo {
  usage: number | null;
  quota: number | null;
  persisted: boolean | null;
}

export interface ImportState {
  id: number;
  name: string;
  progress: ImportProgress | null;
}

export interface Preview {
  name: string;
  split: Split;
  /** count x 32 x 32 x 3, NHWC. */
  pixels: Uint8Array;
  labels: string[];
}

export interface DatasetPanelState {
  datasets: DatasetManifest[];
  loaded: boolean;
  storage: StorageInfo;
  running: ImportState | null;
  /** The last import's outcome, for a person (role=status / role=alert). */
  message: { kind: 'done' | 'error'; text: string } | null;
  preview: Preview | null;
  sample: 'unknown' | 'installing' | 'installed' | 'absent';
}

export const useDatasetPanel = create<DatasetPanelState>()(() => ({
  datasets: [],
  loaded: false,
  storage: { usage: null, quota: null, persisted: null },
  running: null,
  message: null,
  preview: null,
  sample: 'unknown',
}));

const PREVIEW_IMAGES = 40;
const SAMPLE_META_KEY = 'sampleInstalled';

let dbPromise: Promise<DatasetDb> | null = null;
let client: DataClient | null = null;

function database(): Promise<DatasetDb> {
  dbPromise ??= openDatasetDb();
  return dbPromise;
}

function dataClient(): DataClient {
  if (!client) {
    const worker = new Worker(new URL('../data/import.worker.ts', import.meta.url), {
      type: 'module',
    });
    client = createDataClient(worker);
    client.on('importProgress', (event) => {
      const running = useDatasetPanel.getState().running;
      if (running && running.id === event.importId) {
        const { phase, images, fraction, imagesPerSec, secondsLeft } = event;
        useDatasetPanel.setState({
          running: { ...running, progress: { phase, images, fraction, imagesPerSec, secondsLeft } },
        });
      }
    });
  }
  return client;
}

function baseUrl(): string {
  return new URL(import.meta.env.BASE_URL, window.location.href).href;
}

export async function refreshDatasets(): Promise<void> {
  const db = await database();
  const datasets = await listManifests(db);
  useDatasetPanel.setState({ datasets, loaded: true });
  await refreshStorage();
}

export async function refreshStorage(): Promise<void> {
  const storage = navigator.storage;
  if (!storage?.estimate) return;
  const [estimate, persisted] = await Promise.all([
    storage.estimate(),
    storage.persisted ? storage.persisted() : Promise.resolve(null),
  ]);
  useDatasetPanel.setState({
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
  useDatasetPanel.setState((s) => ({ storage: { ...s.storage, persisted } }));
}

/** Runs one import in the worker; resolves with the manifest, or null when it failed. */
export async function startImport(request: ImportRequest): Promise<DatasetManifest | null> {
  if (useDatasetPanel.getState().running) {
    useDatasetPanel.setState({
      message: { kind: 'error', text: 'An import is already running; wait for it or cancel it.' },
    });
    return null;
  }
  const c = dataClient();
  const id = c.post('importDataset', { request });
  // The reply is matched by command id: `imported` when stored, `error` otherwise.
  const reply = new Promise<{ manifest: DatasetManifest; seconds: number }>((resolve, reject) => {
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
  });
  useDatasetPanel.setState({
    running: { id, name: request.name, progress: null },
    message: null,
  });
  void requestPersistence();
  try {
    const { manifest, seconds } = await reply;
    const images = Object.values(manifest.splits).reduce((s, v) => s + (v?.count ?? 0), 0);
    useDatasetPanel.setState({
      message: {
        kind: 'done',
        text: `Imported "${manifest.name}": ${images.toLocaleString('en-US')} images in ${seconds.toFixed(1)} s.`,
      },
    });
    return manifest;
  } catch (error) {
    useDatasetPanel.setState({
      message: { kind: 'error', text: error instanceof Error ? error.message : String(error) },
    });
    return null;
  } finally {
    useDatasetPanel.setState({ running: null });
    await refreshDatasets();
  }
}

export async function cancelImport(): Promise<void> {
  const running = useDatasetPanel.getState().running;
  if (!running || !client) return;
  await client.request('cancelImport', { importId: running.id });
}

export async function removeDataset(name: string): Promise<void> {
  const db = await database();
  await deleteDataset(db, name);
  if (useDatasetPanel.getState().preview?.name === name)
    useDatasetPanel.setState({ preview: null });
  await refreshDatasets();
}

export async function showPreview(name: string): Promise<void> {
  const db = await database();
  const manifest = useDatasetPanel.getState().datasets.find((d) => d.name === name);
  if (!manifest) return;
  const split: Split = manifest.splits.train ? 'train' : 'test';
  try {
    const shard = await readShard(db, manifest.storageId, split, 0);
    const count = Math.min(PREVIEW_IMAGES, shard.count);
    useDatasetPanel.setState({
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
    useDatasetPanel.setState({
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
  const db = await database();
  const present = (await listManifests(db)).some((m) => m.name === SAMPLE_DATASET_NAME);
  if (present) {
    useDatasetPanel.setState({ sample: 'installed' });
    return;
  }
  if (await getMeta<boolean>(db, SAMPLE_META_KEY)) {
    useDatasetPanel.setState({ sample: 'absent' });
    return;
  }
  await installSample();
}

export async function installSample(): Promise<void> {
  useDatasetPanel.setState({ sample: 'installing' });
  const manifest = await startImport(sampleRequest(baseUrl()));
  const db = await database();
  const present = (await listManifests(db)).some((m) => m.name === SAMPLE_DATASET_NAME);
  if (manifest || present) await setMeta(db, SAMPLE_META_KEY, true);
  useDatasetPanel.setState({ sample: present ? 'installed' : 'absent' });
}

export { baseUrl };
