/**
 * The dataset store: every imported data set lives in one IndexedDB database, as a manifest
 * (what it is, how many images, per-channel statistics) plus shards of images.
 *
 * Atomicity: an import writes its shards under a fresh `storageId` that no manifest points to
 * (recorded in `pending` while it runs) and writes the manifest last, in one transaction that
 * also clears the pending record. Until that transaction commits, readers cannot see the new
 * shards; if the import fails or is cancelled, its shards are deleted by `storageId`, so other
 * data sets are never touched. Shards orphaned by a crash are collected by `collectOrphans`.
 *
 * This module uses no DOM types: it runs in the import worker, the training worker and the UI.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { DatasetManifest, Split } from '../model/dataset';

// The dataset types are the domain's (model/dataset.ts); stored manifests have their shape.
export {
  DATASET_KINDS,
  IMAGE_BYTES,
  IMAGE_CHANNELS,
  IMAGE_SIZE,
  SPLITS,
  type DatasetKind,
  type DatasetManifest,
  type Split,
  type SplitInfo,
} from '../model/dataset';

export const DATASET_DB_NAME = 'dmrnet-datasets';

/**
 * The schema version. Do not change the stores or the shape of stored values without bumping
 * this and adding a step to `migrate` below: browsers keep old databases forever.
 */
export const DATASET_DB_VERSION = 1;

export const STORES = {
  manifests: 'manifests',
  shards: 'shards',
  pending: 'pending',
  meta: 'meta',
} as const;

export interface Shard {
  storageId: string;
  split: Split;
  index: number;
  count: number;
  /** count x 32 x 32 x 3 bytes, NHWC, RGB. */
  pixels: Uint8Array;
  /** The class of each image (CIFAR-100: the fine label). */
  labels: Uint8Array;
  /** CIFAR-100 only: the superclass of each image. */
  coarseLabels?: Uint8Array;
}

export type ShardKey = [storageId: string, split: Split, index: number];

export interface PendingImport {
  storageId: string;
  name: string;
  startedAt: number;
}

export interface DatasetSchema extends DBSchema {
  [STORES.manifests]: { key: string; value: DatasetManifest };
  [STORES.shards]: { key: ShardKey; value: Shard };
  [STORES.pending]: { key: string; value: PendingImport };
  [STORES.meta]: { key: string; value: unknown };
}

export type DatasetDb = IDBPDatabase<DatasetSchema>;

/** Upgrades from any older version, one step at a time (`oldVersion` 0 is a new database). */
function migrate(db: IDBPDatabase<DatasetSchema>, oldVersion: number): void {
  if (oldVersion < 1) {
    db.createObjectStore(STORES.manifests, { keyPath: 'name' });
    db.createObjectStore(STORES.shards, { keyPath: ['storageId', 'split', 'index'] });
    db.createObjectStore(STORES.pending, { keyPath: 'storageId' });
    db.createObjectStore(STORES.meta);
  }
  // Version 2 goes here: `if (oldVersion < 2) { ... }`.
}

export interface OpenDatasetOptions {
  /**
   * Another tab opens a newer version: this connection is closed (so the upgrade can go on)
   * and the caller tells the user to reload.
   */
  onVersionChange?: () => void;
}

export async function openDatasetDb(
  name: string = DATASET_DB_NAME,
  options: OpenDatasetOptions = {},
): Promise<DatasetDb> {
  const db = await openDB<DatasetSchema>(name, DATASET_DB_VERSION, {
    upgrade: (database, oldVersion) => migrate(database, oldVersion),
    // Without this an open connection here would block another tab's upgrade forever.
    blocking: () => {
      db.close();
      options.onVersionChange?.();
    },
  });
  return db;
}

export async function listManifests(db: DatasetDb): Promise<DatasetManifest[]> {
  const all = await db.getAll(STORES.manifests);
  return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export async function getManifest(
  db: DatasetDb,
  name: string,
): Promise<DatasetManifest | undefined> {
  return db.get(STORES.manifests, name);
}

export async function readShard(
  db: DatasetDb,
  storageId: string,
  split: Split,
  index: number,
): Promise<Shard> {
  const shard = await db.get(STORES.shards, [storageId, split, index]);
  if (!shard) {
    throw new Error(
      `Shard ${index} of the ${split} split is missing from the dataset store (storage ${storageId}); delete the dataset and import it again.`,
    );
  }
  return shard;
}

function shardRange(storageId: string): IDBKeyRange {
  // Keys are [storageId, split, index]; every split name sorts between '' and '\uffff'.
  return IDBKeyRange.bound([storageId, ''], [storageId, '\uffff']);
}

/** Deletes every shard stored under one storage id (an import's, never another's). */
export async function deleteShards(db: DatasetDb, storageId: string): Promise<void> {
  const tx = db.transaction([STORES.shards, STORES.pending], 'readwrite');
  await Promise.all([
    tx.objectStore(STORES.shards).delete(shardRange(storageId)),
    tx.objectStore(STORES.pending).delete(storageId),
    tx.done,
  ]);
}

/** Deletes a data set: its manifest and its shards, in one transaction. */
export async function deleteDataset(db: DatasetDb, name: string): Promise<boolean> {
  const tx = db.transaction([STORES.manifests, STORES.shards], 'readwrite');
  const manifest = await tx.objectStore(STORES.manifests).get(name);
  if (!manifest) {
    await tx.done;
    return false;
  }
  await Promise.all([
    tx.objectStore(STORES.manifests).delete(name),
    tx.objectStore(STORES.shards).delete(shardRange(manifest.storageId)),
    tx.done,
  ]);
  return true;
}

/** A fresh storage id for an import of `name` (no manifest or other import has it). */
export function newStorageId(name: string): string {
  return `${name}#${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * The Web Lock an importing worker holds while it writes under `storageId`: a pending record
 * whose lock nobody holds belongs to no live import (its tab was closed or its worker ended),
 * so it is collected at once instead of after a timeout.
 */
export function pendingLockName(storageId: string): string {
  return `dmrnet-import:${storageId}`;
}

/** Records an import in progress, so a crash leaves shards that `collectOrphans` can find. */
export async function beginImport(
  db: DatasetDb,
  name: string,
  storageId: string = newStorageId(name),
): Promise<string> {
  if (await db.get(STORES.manifests, name)) {
    throw new Error(
      `A dataset named "${name}" already exists. Delete it first or choose another name.`,
    );
  }
  await db.put(STORES.pending, { storageId, name, startedAt: Date.now() });
  return storageId;
}

/** Stores one shard; resolves only once the transaction commits (quota errors surface there). */
export async function putShard(db: DatasetDb, shard: Shard): Promise<void> {
  const tx = db.transaction(STORES.shards, 'readwrite');
  await Promise.all([tx.store.put(shard), tx.done]);
}

/**
 * Makes an import visible: writes the manifest and clears the pending record in one
 * transaction. Refuses (and stores nothing) if the name was taken meanwhile.
 */
export async function commitImport(db: DatasetDb, manifest: DatasetManifest): Promise<void> {
  const tx = db.transaction([STORES.manifests, STORES.pending], 'readwrite');
  const manifests = tx.objectStore(STORES.manifests);
  if (await manifests.get(manifest.name)) {
    tx.abort();
    await tx.done.catch(() => undefined);
    throw new Error(
      `A dataset named "${manifest.name}" was created while this import ran; nothing was stored.`,
    );
  }
  await Promise.all([
    manifests.add(manifest),
    tx.objectStore(STORES.pending).delete(manifest.storageId),
    tx.done,
  ]);
}

/**
 * Deletes shards that no manifest points to and that no live import is writing: the leftovers
 * of a tab closed or a worker ended mid-import. `isOwned` says whether a pending import still
 * has a writer (the import worker asks whether its Web Lock is held); without it, a pending
 * import counts as live for `maxPendingAgeMs`.
 */
export async function collectOrphans(
  db: DatasetDb,
  isOwned?: (pending: PendingImport) => Promise<boolean>,
  maxPendingAgeMs = 6 * 3600_000,
): Promise<number> {
  const owned =
    isOwned ?? ((p: PendingImport) => Promise.resolve(Date.now() - p.startedAt < maxPendingAgeMs));
  const live = new Set((await db.getAll(STORES.manifests)).map((m) => m.storageId));
  const abandoned = new Set<string>();
  for (const p of await db.getAll(STORES.pending)) {
    if (await owned(p)) live.add(p.storageId);
    else abandoned.add(p.storageId);
  }
  const orphans = new Set(abandoned);
  for (const key of await db.getAllKeys(STORES.shards)) {
    if (!live.has(key[0])) orphans.add(key[0]);
  }
  let collected = 0;
  for (const storageId of orphans) {
    if (await deleteOrphan(db, storageId, abandoned.has(storageId))) collected++;
  }
  return collected;
}

/**
 * Deletes one storage id's shards and pending record, in one transaction that first checks
 * that it is still an orphan: no manifest took it meanwhile (an import committed), and no
 * pending record appeared for it (an import began after the collector looked).
 */
async function deleteOrphan(
  db: DatasetDb,
  storageId: string,
  knownAbandoned: boolean,
): Promise<boolean> {
  const tx = db.transaction([STORES.manifests, STORES.shards, STORES.pending], 'readwrite');
  const manifests = await tx.objectStore(STORES.manifests).getAll();
  const pending = await tx.objectStore(STORES.pending).get(storageId);
  if (manifests.some((m) => m.storageId === storageId) || (pending && !knownAbandoned)) {
    await tx.done;
    return false;
  }
  await Promise.all([
    tx.objectStore(STORES.shards).delete(shardRange(storageId)),
    tx.objectStore(STORES.pending).delete(storageId),
    tx.done,
  ]);
  return true;
}

export async function getMeta<T>(db: DatasetDb, key: string): Promise<T | undefined> {
  return (await db.get(STORES.meta, key)) as T | undefined;
}

export async function setMeta(db: DatasetDb, key: string, value: unknown): Promise<void> {
  await db.put(STORES.meta, value, key);
}
