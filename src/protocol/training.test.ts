import { describe, expect, it, vi } from 'vitest';
import {
  createWorkerClient,
  isCommand,
  isWorkerEvent,
  makeCommand,
  makeEvent,
  WorkerRequestError,
  type MessagePort_,
} from './training';

/** A fake port standing in for a Worker: records posts, lets the test deliver events. */
function fakePort() {
  const listeners = new Set<(event: MessageEvent) => void>();
  const posted: unknown[] = [];
  const port: MessagePort_ = {
    postMessage: (message) => posted.push(message),
    addEventListener: (_type, listener) => listeners.add(listener),
    removeEventListener: (_type, listener) => listeners.delete(listener),
  };
  const deliver = (data: unknown) => listeners.forEach((l) => l({ data } as MessageEvent));
  return { port, posted, deliver, listeners };
}

const report = { backend: 'cpu' as const, adapter: null, refused: [], tfjsVersion: '4.22.0' };

describe('message guards', () => {
  it('accepts well-formed commands and rejects anything else', () => {
    expect(isCommand(makeCommand('deviceCheck', 3, {}))).toBe(true);
    expect(isCommand({ type: 'init', id: 1, order: ['cpu'] })).toBe(true);
    expect(isCommand({ type: 'init' })).toBe(false); // no id
    expect(isCommand({ type: 'launchMissiles', id: 1 })).toBe(false);
    expect(isCommand(null)).toBe(false);
    expect(isCommand('init')).toBe(false);
  });

  it('accepts events with a numeric or null replyTo', () => {
    expect(isWorkerEvent(makeEvent('ready', report, 4))).toBe(true);
    expect(isWorkerEvent(makeEvent('error', { message: 'x' }))).toBe(true);
    expect(isWorkerEvent({ type: 'ready', replyTo: '4' })).toBe(false);
    expect(isWorkerEvent({ type: 'nope', replyTo: null })).toBe(false);
  });

  it('makeCommand and makeEvent put the tag last so a payload cannot override it', () => {
    const c = makeCommand('init', 9, { order: ['cpu'] });
    expect(c).toEqual({ type: 'init', id: 9, order: ['cpu'] });
    const e = makeEvent('memoryReport', { numTensors: 1, numBytes: 4, tuningTensors: 0 }, 2);
    expect(e).toEqual({
      type: 'memoryReport',
      replyTo: 2,
      numTensors: 1,
      numBytes: 4,
      tuningTensors: 0,
    });
  });
});

describe('createWorkerClient', () => {
  it('numbers commands and resolves a request with its reply only', async () => {
    const { port, posted, deliver } = fakePort();
    const client = createWorkerClient(port);
    const reply = client.request('init', {});
    const second = client.post('memory', {});
    expect(posted).toEqual([
      { type: 'init', id: 1 },
      { type: 'memory', id: 2 },
    ]);
    expect(second).toBe(2);
    // An event for another id, or of another type, does not settle it.
    deliver(makeEvent('memoryReport', { numTensors: 0, numBytes: 0, tuningTensors: 0 }, 1));
    deliver(makeEvent('ready', report, 7));
    deliver(makeEvent('ready', report, 1));
    await expect(reply).resolves.toMatchObject({ type: 'ready', backend: 'cpu', replyTo: 1 });
  });

  it('rejects a request with the worker error message', async () => {
    const { port, deliver } = fakePort();
    const client = createWorkerClient(port);
    const reply = client.request('deviceCheck', {});
    deliver(makeEvent('error', { message: 'The worker has not been initialised yet' }, 1));
    await expect(reply).rejects.toThrow(WorkerRequestError);
    await expect(reply).rejects.toThrow('not been initialised');
  });

  it('times out a request the worker never answers', async () => {
    vi.useFakeTimers();
    try {
      const { port } = fakePort();
      const client = createWorkerClient(port);
      const reply = client.request('memory', {}, 50);
      vi.advanceTimersByTime(60);
      await expect(reply).rejects.toThrow('did not answer "memory" in 50 ms');
    } finally {
      vi.useRealTimers();
    }
  });

  it('delivers events to listeners of their type until unsubscribed, ignores junk', () => {
    const { port, deliver } = fakePort();
    const client = createWorkerClient(port);
    const seen: number[] = [];
    const off = client.on('memoryReport', (e) => seen.push(e.numTensors));
    deliver(makeEvent('memoryReport', { numTensors: 5, numBytes: 0, tuningTensors: 0 }));
    deliver({ type: 'memoryReport' }); // no replyTo: not a protocol event
    deliver(makeEvent('error', { message: 'x' }));
    off();
    deliver(makeEvent('memoryReport', { numTensors: 6, numBytes: 0, tuningTensors: 0 }));
    expect(seen).toEqual([5]);
  });

  it('dispose rejects pending requests and detaches from the port', async () => {
    const { port, listeners } = fakePort();
    const client = createWorkerClient(port);
    const reply = client.request('memory', {});
    client.dispose();
    await expect(reply).rejects.toThrow('Worker closed');
    expect(listeners.size).toBe(0);
  });
});
