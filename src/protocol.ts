/**
 * The one typed protocol between the UI (main thread) and the training worker.
 *
 * Commands go UI -> worker, events go worker -> UI. Both are plain, structured-cloneable
 * objects tagged by `type`. Each command carries a numeric `id`; events that answer a
 * command echo it as `replyTo`, so the UI can await a reply (see `createWorkerClient`).
 * Add a message by adding one entry to `CommandMap` or `EventMap`: both sides then get
 * the new type checked.
 */

export const BACKEND_NAMES = ['webgpu', 'webgl', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The WebGPU adapter the worker found, and the limits that decide which networks fit. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  device: string;
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupSizeX: number;
    maxComputeWorkgroupsPerDimension: number;
  };
}

/** A backend the worker tried and could not use, with the reason a person can read. */
export interface RefusedBackend {
  backend: BackendName;
  reason: string;
}

export interface BackendReport {
  backend: BackendName;
  /** Present when the chosen backend is WebGPU. */
  adapter: AdapterSummary | null;
  /** Every backend tried before the chosen one, in order, with why it was refused. */
  refused: RefusedBackend[];
  tfjsVersion: string;
}

export interface DeviceCheckResult {
  backend: BackendName;
  /** The convolution's shape: input NHWC and filter HWIO. */
  inputShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  /** Time of one convolution including the read-back, after a warm-up run. */
  milliseconds: number;
  /** Largest absolute difference against the tfjs CPU backend on the same inputs. */
  maxAbsDiffVsCpu: number;
}

export interface CommandMap {
  /** Start tfjs: try the backends in `order` (default WebGPU, WebGL, CPU). */
  init: { order?: BackendName[] };
  /** Run a small convolution on the chosen backend and time it. */
  deviceCheck: Record<string, never>;
  /** Report tf.memory() (for leak checks). */
  memory: Record<string, never>;
}

export interface EventMap {
  ready: BackendReport;
  deviceCheckResult: DeviceCheckResult;
  memoryReport: { numTensors: number; numBytes: number };
  /** A command failed; `message` is for a person. */
  error: { message: string };
}

export type CommandType = keyof CommandMap;
export type EventType = keyof EventMap;

export type Command<K extends CommandType = CommandType> = {
  [T in K]: { type: T; id: number } & CommandMap[T];
}[K];

export type WorkerEvent<K extends EventType = EventType> = {
  [T in K]: { type: T; replyTo: number | null } & EventMap[T];
}[K];

const COMMAND_TYPES: ReadonlySet<string> = new Set<CommandType>(['init', 'deviceCheck', 'memory']);
const EVENT_TYPES: ReadonlySet<string> = new Set<EventType>([
  'ready',
  'deviceCheckResult',
  'memoryReport',
  'error',
]);

function isTagged(value: unknown): value is { type: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}

/** Guards the worker's `onmessage`: anything else posted to it is ignored, not trusted. */
export function isCommand(value: unknown): value is Command {
  return (
    isTagged(value) &&
    COMMAND_TYPES.has(value.type) &&
    typeof (value as { id?: unknown }).id === 'number'
  );
}

export function isWorkerEvent(value: unknown): value is WorkerEvent {
  if (!isTagged(value) || !EVENT_TYPES.has(value.type)) return false;
  const replyTo = (value as { replyTo?: unknown }).replyTo;
  return replyTo === null || typeof replyTo === 'number';
}

export function makeCommand<K extends CommandType>(
  type: K,
  id: number,
  payload: CommandMap[K],
): Command<K> {
  return { ...payload, type, id } as Command<K>;
}

export function makeEvent<K extends EventType>(
  type: K,
  payload: EventMap[K],
  replyTo: number | null = null,
): WorkerEvent<K> {
  return { ...payload, type, replyTo } as WorkerEvent<K>;
}

/** The subset of `Worker` the client needs; a fake in unit tests. */
export interface MessagePort_ {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** What a command's reply is: the event the worker answers it with. */
export interface ReplyMap {
  init: 'ready';
  deviceCheck: 'deviceCheckResult';
  memory: 'memoryReport';
}

export interface WorkerClient {
  /** Post a command without waiting. Returns its id. */
  post<K extends CommandType>(type: K, payload: CommandMap[K], transfer?: Transferable[]): number;
  /** Post a command and resolve with its reply; reject with the worker's error message. */
  request<K extends keyof ReplyMap>(
    type: K,
    payload: CommandMap[K],
    timeoutMs?: number,
  ): Promise<WorkerEvent<ReplyMap[K]>>;
  /** Listen to every event of one type. Returns an unsubscribe function. */
  on<K extends EventType>(type: K, listener: (event: WorkerEvent<K>) => void): () => void;
  dispose(): void;
}

export class WorkerRequestError extends Error {
  override name = 'WorkerRequestError';
}

export function createWorkerClient(port: MessagePort_): WorkerClient {
  let nextId = 1;
  type AnyListener = (event: WorkerEvent) => void;
  const listeners = new Map<EventType, Set<AnyListener>>();
  const pending = new Map<
    number,
    { expect: EventType; resolve: (e: WorkerEvent) => void; reject: (e: Error) => void }
  >();

  const onMessage = (message: MessageEvent): void => {
    const event: unknown = message.data;
    if (!isWorkerEvent(event)) return;
    if (event.replyTo !== null) {
      const waiter = pending.get(event.replyTo);
      if (waiter && (event.type === waiter.expect || event.type === 'error')) {
        pending.delete(event.replyTo);
        if (event.type === 'error') waiter.reject(new WorkerRequestError(event.message));
        else waiter.resolve(event);
      }
    }
    listeners.get(event.type)?.forEach((listener) => listener(event));
  };
  port.addEventListener('message', onMessage);

  const post = <K extends CommandType>(
    type: K,
    payload: CommandMap[K],
    transfer: Transferable[] = [],
  ): number => {
    const id = nextId++;
    port.postMessage(makeCommand(type, id, payload), transfer);
    return id;
  };

  return {
    post,
    request(type, payload, timeoutMs = 120_000) {
      const expect = REPLIES[type];
      return new Promise((resolve, reject) => {
        const id = post(type, payload);
        const timer = setTimeout(() => {
          if (pending.delete(id)) {
            reject(
              new WorkerRequestError(`The worker did not answer "${type}" in ${timeoutMs} ms`),
            );
          }
        }, timeoutMs);
        pending.set(id, {
          expect,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e as never);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    },
    on(type, listener) {
      // Stored under its own type only, so it only ever receives WorkerEvent<K>.
      const stored = listener as unknown as AnyListener;
      const set = listeners.get(type) ?? new Set<AnyListener>();
      set.add(stored);
      listeners.set(type, set);
      return () => set.delete(stored);
    },
    dispose() {
      port.removeEventListener('message', onMessage);
      for (const waiter of pending.values()) waiter.reject(new WorkerRequestError('Worker closed'));
      pending.clear();
      listeners.clear();
    },
  };
}

const REPLIES: ReplyMap = {
  init: 'ready',
  deviceCheck: 'deviceCheckResult',
  memory: 'memoryReport',
};
