/**
 * The import worker's shard writer (a worker of its own, ./shardWriter.worker.ts): hashing a
 * shard and IndexedDB's serialization of it cost about as much as decoding, so they run beside
 * the import instead of after it. A worker-to-worker protocol inside data/, each message
 * listed once in SHARD_WRITER_PROTOCOL.
 */
import {
  commandGuard,
  createClient,
  defineProtocol,
  event,
  makeEvent,
  request,
  type ClientOf,
  type CommandHandlers,
  type EventOf,
  type MessagePort_,
  type ProtocolOf,
} from '../protocol/rpc';
import type { Shard } from '../storage/datasetStore';

export const SHARD_WRITER_PROTOCOL = defineProtocol({
  commands: {
    /** Hash and store one shard (its buffers are transferred). */
    storeShard: request<{ shard: Shard }>().answeredBy('shardStored'),
  },
  events: {
    /**
     * The shard is stored: its SHA-256 digests (pixels, labels) and its pixel buffer handed
     * back (transferred) for the next shard, since IndexedDB and WebCrypto copied it when
     * called; or why it is not stored.
     */
    shardStored: event<
      | { ok: true; pixelsDigest: ArrayBuffer; labelsDigest: ArrayBuffer; pixels?: ArrayBuffer }
      | { ok: false; errorName: string; message: string }
    >(),
    error: event<{ message: string }>(),
  },
});

export type ShardWriterProtocol = ProtocolOf<typeof SHARD_WRITER_PROTOCOL>;
export type ShardWriterHandlers = CommandHandlers<ShardWriterProtocol>;

export const isShardWriterCommand = commandGuard<ShardWriterProtocol>(SHARD_WRITER_PROTOCOL);

export function makeShardWriterEvent<K extends keyof ShardWriterProtocol['events']>(
  type: K,
  payload: ShardWriterProtocol['events'][K],
  replyTo: number | null = null,
): EventOf<ShardWriterProtocol, K> {
  return makeEvent<ShardWriterProtocol, K>(type, payload, replyTo);
}

export function createShardWriterClient(port: MessagePort_): ClientOf<ShardWriterProtocol> {
  return createClient(port, SHARD_WRITER_PROTOCOL);
}
