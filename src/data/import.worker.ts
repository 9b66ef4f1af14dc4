/**
 * The dataset import worker: decoding, statistics and IndexedDB writes run here, off the main
 * thread, one AbortController per import so each can be cancelled.
 */
import {
  isDataCommand,
  makeDataEvent,
  type DataEventMap,
  type DataHandlers,
} from '../protocol/import';
import { dispatch } from '../protocol/rpc';
import {
  collectOrphans,
  openDatasetDb,
  pendingLockName,
  type DatasetDb,
  type PendingImport,
} from '../storage/datasetStore';
import { DuplicateDatasetError, importDataset } from './importer';
import { probeDisk } from '../storage/space';

declare const self: DedicatedWorkerGlobalScope;

const imports = new Map<number, AbortController>();
let dbPromise: Promise<DatasetDb> | null = null;

/** Web Locks: held by each import for its pending record (absent in very old browsers). */
const locks: LockManager | undefined = self.navigator.locks;

/** Whether a live import (in this tab or another) still holds the record's lock. */
async function isOwned(pending: PendingImport): Promise<boolean> {
  if (!locks) return Date.now() - pending.startedAt < 6 * 3600_000;
  const { held = [] } = await locks.query();
  return held.some((lock) => lock.name === pendingLockName(pending.storageId));
}

function database(): Promise<DatasetDb> {
  dbPromise ??= openDatasetDb().then(async (db) => {
    // Leftovers of a tab closed or a worker ended mid-import: a pending record whose lock
    // nobody holds is abandoned (issue #19: they once stayed for 6 hours).
    await collectOrphans(db, isOwned).catch(() => 0);
    return db;
  });
  return dbPromise;
}

// At start: a worker started after another was terminated (a cancel that did not end, the
// watchdog) cleans up after it before anything else.
void database().catch(() => undefined);

function send<K extends keyof DataEventMap>(
  type: K,
  payload: DataEventMap[K],
  replyTo: number | null = null,
) {
  self.postMessage(makeDataEvent(type, payload, replyTo));
}

const handlers: DataHandlers = {
  cancelImport(command) {
    const controller = imports.get(command.importId);
    controller?.abort();
    send(
      'cancelRequested',
      { importId: command.importId, found: controller !== undefined },
      command.id,
    );
  },
  async importDataset(command) {
    const id = command.id;
    const controller = new AbortController();
    imports.set(id, controller);
    const started = performance.now();
    try {
      const db = await database();
      const manifest = await importDataset(db, command.request, {
        signal: controller.signal,
        onProgress: (progress) => send('importProgress', { importId: id, ...progress }),
        estimate: () => navigator.storage.estimate(),
        ...(locks
          ? {
              // The lock's promise resolves with what `run`'s promise resolves with.
              ownPending: <T>(storageId: string, run: () => Promise<T>) =>
                locks.request(pendingLockName(storageId), run) as Promise<T>,
            }
          : {}),
        probeDisk,
      });
      send('imported', { manifest, seconds: (performance.now() - started) / 1000 }, id);
    } catch (error) {
      if (error instanceof DuplicateDatasetError) {
        const seconds = (performance.now() - started) / 1000;
        send('imported', { manifest: error.existing, seconds, duplicate: true }, id);
        return;
      }
      send('error', { message: error instanceof Error ? error.message : String(error) }, id);
    } finally {
      imports.delete(id);
    }
  },
};

self.addEventListener('message', (message: MessageEvent) => {
  const command: unknown = message.data;
  if (!isDataCommand(command)) return;
  void dispatch(handlers, command);
});
