/**
 * The shard writer: a worker started by the import worker. Hashing a shard and IndexedDB's
 * serialization of it (which `put` does on the calling thread) cost about as much as fetching
 * and decoding; here they run beside the import. Shards arrive transferred, not copied.
 */
import { dispatch } from '../protocol/rpc';
import { openDatasetDb, putShard, type DatasetDb } from '../storage/datasetStore';
import { hashAndStore } from './shardDigest';
import {
  isShardWriterCommand,
  makeShardWriterEvent,
  type ShardWriterHandlers,
  type ShardWriterProtocol,
} from './shardWriterProtocol';

declare const self: DedicatedWorkerGlobalScope;

let dbPromise: Promise<DatasetDb> | null = null;

function send<K extends keyof ShardWriterProtocol['events']>(
  type: K,
  payload: ShardWriterProtocol['events'][K],
  replyTo: number,
  transfer: Transferable[] = [],
) {
  self.postMessage(makeShardWriterEvent(type, payload, replyTo), transfer);
}

const handlers: ShardWriterHandlers = {
  async storeShard(command) {
    try {
      dbPromise ??= openDatasetDb();
      const db = await dbPromise;
      const digests = await hashAndStore(command.shard, (shard) => putShard(db, shard));
      // put() and digest() copied the pixels when called: the buffer goes back to the import
      // for its next shard, instead of becoming garbage here (issue #15: tab memory).
      const pixels = command.shard.pixels.buffer as ArrayBuffer;
      send(
        'shardStored',
        { ok: true, pixelsDigest: digests.pixels, labelsDigest: digests.labels, pixels },
        command.id,
        [pixels],
      );
    } catch (error) {
      // The name travels too: the importer turns a QuotaExceededError into its quota message.
      const { name, message } =
        error instanceof Error || error instanceof DOMException
          ? error
          : { name: 'Error', message: String(error) };
      send('shardStored', { ok: false, errorName: name, message }, command.id);
    }
  },
};

self.addEventListener('message', (message: MessageEvent) => {
  const command: unknown = message.data;
  if (!isShardWriterCommand(command)) return;
  void dispatch<ShardWriterProtocol>(handlers, command);
});
