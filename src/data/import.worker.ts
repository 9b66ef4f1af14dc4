/**
 * The dataset import worker: decoding, statistics and IndexedDB writes run here, off the main
 * thread, one AbortController per import so each can be cancelled.
 */
import { isDataCommand, makeEvent, type DataEventMap, type DataProtocol } from '../protocol';
import { collectOrphans, openDatasetDb, type DatasetDb } from './datasetStore';
import { importDataset } from './importer';

declare const self: DedicatedWorkerGlobalScope;

const imports = new Map<number, AbortController>();
let dbPromise: Promise<DatasetDb> | null = null;

function database(): Promise<DatasetDb> {
  dbPromise ??= openDatasetDb().then(async (db) => {
    // Leftovers of a tab closed mid-import (never a live import: see collectOrphans).
    await collectOrphans(db).catch(() => 0);
    return db;
  });
  return dbPromise;
}

function send<K extends keyof DataEventMap>(type: K, payload: DataEventMap[K], replyTo: number | null = null) {
  self.postMessage(makeEvent<DataProtocol, K>(type, payload, replyTo));
}

self.addEventListener('message', (message: MessageEvent) => {
  const command: unknown = message.data;
  if (!isDataCommand(command)) return;
  if (command.type === 'cancelImport') {
    const controller = imports.get(command.importId);
    controller?.abort();
    send('cancelRequested', { importId: command.importId, found: controller !== undefined }, command.id);
    return;
  }
  const id = command.id;
  const controller = new AbortController();
  imports.set(id, controller);
  const started = performance.now();
  void (async () => {
    try {
      const db = await database();
      const manifest = await importDataset(db, command.request, {
        signal: controller.signal,
        onProgress: (progress) => send('importProgress', { importId: id, ...progress }),
        estimate: () => navigator.storage.estimate(),
      });
      send('imported', { manifest, seconds: (performance.now() - started) / 1000 }, id);
    } catch (error) {
      send('error', { message: error instanceof Error ? error.message : String(error) }, id);
    } finally {
      imports.delete(id);
    }
  })();
});
