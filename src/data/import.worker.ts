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
  type Shard,
} from '../storage/datasetStore';
import { DuplicateDatasetError, importDataset } from './importer';
import { createShardWriterClient } from './shardWriterProtocol';
import type { ShardDigests } from './shardDigest';
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

/** A shard write should take well under a second; this only stops a wedged writer. */
const SHARD_WRITE_TIMEOUT_MS = 5 * 60_000;

/**
 * Hands shards to the shard writer worker (started on first use) so that hashing and
 * IndexedDB's serialization run beside decoding; where a worker cannot start workers, the
 * import stores them itself.
 */
let storeShard: ((shard: Shard) => Promise<ShardDigests>) | undefined;
/** Shard pixel buffers the writer handed back, reused for the next shards of an import. */
const freePixels: ArrayBuffer[] = [];
const KEPT_PIXEL_BUFFERS = 2;
if (typeof Worker !== 'undefined') {
  let client: ReturnType<typeof createShardWriterClient> | null = null;
  storeShard = async (shard) => {
    client ??= createShardWriterClient(
      new Worker(new URL('./shardWriter.worker.ts', import.meta.url), {
        type: 'module',
        name: 'shard writer',
      }),
    );
    const transfer = [
      shard.pixels.buffer,
      shard.labels.buffer,
      ...(shard.coarseLabels ? [shard.coarseLabels.buffer] : []),
    ];
    const reply = await client.request(
      'storeShard',
      { shard },
      SHARD_WRITE_TIMEOUT_MS,
      transfer as ArrayBuffer[],
    );
    if (!reply.ok) throw new DOMException(reply.message, reply.errorName);
    if (reply.pixels && freePixels.length < KEPT_PIXEL_BUFFERS) freePixels.push(reply.pixels);
    return { pixels: reply.pixelsDigest, labels: reply.labelsDigest };
  };
}

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
        ...(storeShard ? { storeShard } : {}),
        shardPixels: (bytes) => {
          const free = freePixels.pop();
          return free?.byteLength === bytes ? new Uint8Array(free) : new Uint8Array(bytes);
        },
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
      freePixels.length = 0; // nothing held between imports
    }
  },
};

self.addEventListener('message', (message: MessageEvent) => {
  const command: unknown = message.data;
  if (!isDataCommand(command)) return;
  void dispatch(handlers, command);
});
