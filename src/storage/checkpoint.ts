/**
 * The runs store, IndexedDB database "dmrnet-runs": each run's record (config, status, metrics
 * history, its dataset's identity) and its last checkpoint (weights, BN running averages,
 * momentum buffers, step and epoch, random state). Both are written in one transaction, so a
 * crash never leaves a record that points at a half-written checkpoint.
 *
 * The records' shapes, versions and migrations live in src/storage/runRecord.ts. Do not change
 * these stores without bumping RUNS_DB_VERSION and adding a step to `upgradeRunsDb`.
 * One writer: the training worker that holds the runs lock (see worker.ts).
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import {
  DamagedRecordError,
  migrateRunRecord,
  readCheckpoint,
  readRunRecord,
  type CheckpointRecord,
  type RunRecord,
  type StoredTensor,
} from './runRecord';

export type {
  CheckpointRecord,
  DatasetIdentity,
  MetricsWindow,
  RunRecord,
  StoredTensor,
} from './runRecord';

export const RUNS_DB_NAME = 'dmrnet-runs';
/** v1: runs and checkpoints stores; v2: run records migrated to RUN_RECORD_VERSION 2. */
export const RUNS_DB_VERSION = 2;
export const RUN_STORES = { runs: 'runs', checkpoints: 'checkpoints' } as const;

interface RunsSchema extends DBSchema {
  runs: { key: string; value: RunRecord };
  checkpoints: { key: string; value: CheckpointRecord };
}

export type RunsDb = IDBPDatabase<RunsSchema>;

export interface OpenRunsOptions {
  /**
   * Another tab opens a newer version: this connection is closed (so the upgrade can go on)
   * and the caller tells the user to reload.
   */
  onVersionChange?: () => void;
  /** This open waits for an older connection in another tab to close. */
  onBlocked?: () => void;
}

async function upgradeRunsDb(
  db: IDBPDatabase<RunsSchema>,
  oldVersion: number,
  tx: IDBPTransaction<RunsSchema, ('runs' | 'checkpoints')[], 'versionchange'>,
): Promise<void> {
  if (oldVersion < 1) {
    db.createObjectStore(RUN_STORES.runs, { keyPath: 'id' });
    db.createObjectStore(RUN_STORES.checkpoints, { keyPath: 'runId' });
  }
  if (oldVersion < 2) {
    // v1 records (the protocol's wire types) become v2 records, in the upgrade's transaction.
    let cursor = await tx.objectStore(RUN_STORES.runs).openCursor();
    while (cursor) {
      await cursor.update(migrateRunRecord(cursor.value) as RunRecord);
      cursor = await cursor.continue();
    }
  }
}

export async function openRunsDb(
  name: string = RUNS_DB_NAME,
  options: OpenRunsOptions = {},
): Promise<RunsDb> {
  const db = await openDB<RunsSchema>(name, RUNS_DB_VERSION, {
    upgrade: (database, oldVersion, _newVersion, tx) => {
      // A failed migration aborts the upgrade: the old records stay as they were.
      upgradeRunsDb(database, oldVersion, tx).catch(() => tx.abort());
    },
    blocked: () => options.onBlocked?.(),
    blocking: () => {
      db.close();
      options.onVersionChange?.();
    },
  });
  return db;
}

/** Saves the run record, and its checkpoint when given, atomically. */
export async function saveRun(
  db: RunsDb,
  record: RunRecord,
  checkpoint: CheckpointRecord | null,
): Promise<void> {
  if (checkpoint && checkpoint.runId !== record.id) {
    throw new Error(`Checkpoint of run ${checkpoint.runId} saved with run ${record.id}`);
  }
  const tx = db.transaction([RUN_STORES.runs, RUN_STORES.checkpoints], 'readwrite');
  const writes: Promise<unknown>[] = [tx.objectStore(RUN_STORES.runs).put(record)];
  if (checkpoint) writes.push(tx.objectStore(RUN_STORES.checkpoints).put(checkpoint));
  await Promise.all([...writes, tx.done]);
}

/**
 * A checkpoint of a running run could not be stored: its stored record says so (paused, with
 * `message`) instead of "running", as of its last stored checkpoint, which is what a reload
 * resumes from. One transaction; false when the run has no stored record.
 */
export async function markStoredRunPaused(
  db: RunsDb,
  runId: string,
  message: string,
): Promise<boolean> {
  const tx = db.transaction(RUN_STORES.runs, 'readwrite');
  const store = tx.objectStore(RUN_STORES.runs);
  const value: unknown = await store.get(runId);
  if (value === undefined) {
    await tx.done;
    return false;
  }
  const record = readRunRecord(value);
  record.status = 'paused';
  record.message = message;
  record.live.step = record.checkpointStep ?? 0;
  record.updatedAt = Date.now();
  await Promise.all([store.put(record), tx.done]);
  return true;
}

export interface StoredRuns {
  records: RunRecord[];
  /** Records that could not be read, each with why (they stay stored, untouched). */
  damaged: string[];
}

/** Every stored run, migrated and validated, oldest first. */
export async function readRunRecords(db: RunsDb): Promise<StoredRuns> {
  const records: RunRecord[] = [];
  const damaged: string[] = [];
  for (const value of await db.getAll(RUN_STORES.runs)) {
    try {
      records.push(readRunRecord(value));
    } catch (error) {
      if (!(error instanceof DamagedRecordError)) throw error;
      damaged.push(error.message);
    }
  }
  records.sort((a, b) => a.createdAt - b.createdAt);
  return { records, damaged };
}

export async function listRunRecords(db: RunsDb): Promise<RunRecord[]> {
  return (await readRunRecords(db)).records;
}

/** The run's checkpoint, validated (undefined when it has none). */
export async function loadCheckpoint(
  db: RunsDb,
  runId: string,
): Promise<CheckpointRecord | undefined> {
  const value: unknown = await db.get(RUN_STORES.checkpoints, runId);
  return value === undefined ? undefined : readCheckpoint(value, runId);
}

/**
 * The weights of a run's last checkpoint, trainable then BN running averages (copies, safe to
 * transfer); null when the run has none yet.
 */
export async function checkpointWeights(db: RunsDb, runId: string): Promise<StoredTensor[] | null> {
  const checkpoint = await loadCheckpoint(db, runId);
  if (!checkpoint) return null;
  return [...checkpoint.weights, ...checkpoint.running].map((t) => ({
    name: t.name,
    shape: [...t.shape],
    values: t.values.slice(),
  }));
}

export async function deleteRunRecord(db: RunsDb, runId: string): Promise<void> {
  const tx = db.transaction([RUN_STORES.runs, RUN_STORES.checkpoints], 'readwrite');
  await Promise.all([
    tx.objectStore(RUN_STORES.runs).delete(runId),
    tx.objectStore(RUN_STORES.checkpoints).delete(runId),
    tx.done,
  ]);
}
