/**
 * The runs store, IndexedDB database "dmrnet-runs": each run's record (config, status, metrics
 * history) and its last checkpoint (weights, BN running averages, momentum buffers, step and
 * epoch, random state). Both are written in one transaction, so a crash never leaves a record
 * that points at a half-written checkpoint.
 *
 * Do not change these stores or record shapes without bumping RUNS_DB_VERSION and migrating.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { RunConfig, RunHistory, RunLive, RunStatus } from '../model/run';

export const RUNS_DB_NAME = 'dmrnet-runs';
export const RUNS_DB_VERSION = 1;
export const RUN_STORES = { runs: 'runs', checkpoints: 'checkpoints' } as const;

export interface RunRecord {
  id: string;
  config: RunConfig;
  status: RunStatus;
  message: string | null;
  live: RunLive;
  history: RunHistory;
  /** Step of the checkpoint stored with it (null: none yet, the run restarts from scratch). */
  checkpointStep: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface StoredTensor {
  name: string;
  shape: number[];
  /** float32 values, a copy owned by the record. */
  values: Float32Array;
}

/** The running averages since the last train point, so metrics after a resume match exactly. */
export interface MetricsWindow {
  lossSum: number;
  correctSum: number;
  images: number;
  steps: number;
}

export interface CheckpointRecord {
  runId: string;
  /** Steps done when it was taken. */
  step: number;
  /** Trainable variables in the network's order. */
  weights: StoredTensor[];
  /** BN running mean and variance. */
  running: StoredTensor[];
  /** Momentum buffers, one per trainable variable. */
  momentum: StoredTensor[];
  /** The learning rate set on the fly, if any. */
  lrOverride: { value: number; atStep: number } | null;
  /**
   * The random state: augmentation and data order are pure functions of (seed, step), so the
   * seed and the step are all of it.
   */
  rng: { seed: number; step: number };
  window: MetricsWindow;
  /** The metrics history up to `step` (a resume continues from exactly this). */
  history: RunHistory;
  /** The backend that produced it (resume is exact on the same backend). */
  backend: string;
  savedAt: number;
}

interface RunsSchema extends DBSchema {
  runs: { key: string; value: RunRecord };
  checkpoints: { key: string; value: CheckpointRecord };
}

export type RunsDb = IDBPDatabase<RunsSchema>;

export function openRunsDb(name: string = RUNS_DB_NAME): Promise<RunsDb> {
  return openDB<RunsSchema>(name, RUNS_DB_VERSION, {
    upgrade(db) {
      db.createObjectStore(RUN_STORES.runs, { keyPath: 'id' });
      db.createObjectStore(RUN_STORES.checkpoints, { keyPath: 'runId' });
    },
  });
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

export async function listRunRecords(db: RunsDb): Promise<RunRecord[]> {
  const all = await db.getAll(RUN_STORES.runs);
  return all.sort((a, b) => a.createdAt - b.createdAt);
}

export function loadCheckpoint(db: RunsDb, runId: string): Promise<CheckpointRecord | undefined> {
  return db.get(RUN_STORES.checkpoints, runId);
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
