/**
 * The shard writer's protocol (defineProtocol, as the training and import workers'): its
 * command guard, and its client against a handler table over a pair of fake ports, the way the
 * import worker and shardWriter.worker.ts talk (a structured clone is not made here).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dispatch, WorkerRequestError, type MessagePort_ } from '../protocol/rpc';
import type { Shard } from '../storage/datasetStore';
import { hashAndStore } from './shardDigest';
import {
  createShardWriterClient,
  isShardWriterCommand,
  makeShardWriterEvent,
  type ShardWriterHandlers,
  type ShardWriterProtocol,
} from './shardWriterProtocol';

/** The client's port; what it posts reaches `handlers` as the worker would dispatch it. */
function connect(handlers: ShardWriterHandlers) {
  const listeners = new Set<(event: MessageEvent) => void>();
  const deliver = (data: unknown) => listeners.forEach((l) => l({ data } as MessageEvent));
  const port: MessagePort_ = {
    // Messages arrive later, never inside postMessage (as between threads).
    postMessage: (command) =>
      queueMicrotask(() => {
        if (isShardWriterCommand(command)) void dispatch<ShardWriterProtocol>(handlers, command);
      }),
    addEventListener: (_type, listener) => listeners.add(listener),
    removeEventListener: (_type, listener) => listeners.delete(listener),
  };
  return { client: createShardWriterClient(port), deliver };
}

function shard(index: number): Shard {
  const pixels = new Uint8Array(2 * 3072).map((_, i) => (i * 7 + index) % 256);
  return { storageId: 's#1', split: 'train', index, count: 2, pixels, labels: Uint8Array.of(3, 9) };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const hex = (buffer: ArrayBuffer) => Buffer.from(buffer).toString('hex');

describe('shard writer protocol', () => {
  it('accepts storeShard commands with an id and nothing else', () => {
    expect(isShardWriterCommand({ type: 'storeShard', id: 1, shard: shard(0) })).toBe(true);
    expect(isShardWriterCommand({ type: 'storeShard', shard: shard(0) })).toBe(false);
    expect(isShardWriterCommand({ type: 'importDataset', id: 1 })).toBe(false);
    expect(isShardWriterCommand(null)).toBe(false);
  });

  it('a request resolves with its own shardStored reply: the digests of the stored bytes', async () => {
    const stored: Shard[] = [];
    let deliver: (data: unknown) => void = () => undefined;
    const handlers: ShardWriterHandlers = {
      async storeShard(command) {
        const digests = await hashAndStore(command.shard, async (s) => void stored.push(s));
        deliver(
          makeShardWriterEvent(
            'shardStored',
            { ok: true, pixelsDigest: digests.pixels, labelsDigest: digests.labels },
            command.id,
          ),
        );
      },
    };
    const connection = connect(handlers);
    deliver = connection.deliver;
    const [a, b] = [shard(0), shard(1)];
    const replies = await Promise.all([
      connection.client.request('storeShard', { shard: a }),
      connection.client.request('storeShard', { shard: b }),
    ]);
    expect(stored.map((s) => s.index)).toEqual([0, 1]);
    expect(replies.map((r) => r.replyTo)).toEqual([1, 2]);
    const [first, second] = replies;
    if (!first?.ok || !second?.ok) throw new Error('expected two stored shards');
    expect(hex(first.pixelsDigest)).toBe(sha256(a.pixels));
    expect(hex(first.labelsDigest)).toBe(sha256(a.labels));
    expect(hex(second.pixelsDigest)).toBe(sha256(b.pixels));
    expect(hex(first.pixelsDigest)).not.toBe(hex(second.pixelsDigest));
  });

  it('a failed write answers ok: false with the error name; an error event rejects', async () => {
    let deliver: (data: unknown) => void = () => undefined;
    let calls = 0;
    const handlers: ShardWriterHandlers = {
      storeShard(command) {
        calls += 1;
        deliver(
          calls === 1
            ? makeShardWriterEvent(
                'shardStored',
                { ok: false, errorName: 'QuotaExceededError', message: 'full' },
                command.id,
              )
            : makeShardWriterEvent('error', { message: 'writer broke' }, command.id),
        );
      },
    };
    const connection = connect(handlers);
    deliver = connection.deliver;
    await expect(
      connection.client.request('storeShard', { shard: shard(0) }),
    ).resolves.toMatchObject({ ok: false, errorName: 'QuotaExceededError', message: 'full' });
    const failed = connection.client.request('storeShard', { shard: shard(1) });
    await expect(failed).rejects.toThrow(WorkerRequestError);
    await expect(failed).rejects.toThrow('writer broke');
  });
});
