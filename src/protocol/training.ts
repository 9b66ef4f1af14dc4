/**
 * The one typed protocol between the UI (main thread) and the training worker.
 *
 * Commands go UI -> worker, events go worker -> UI. Both are plain, structured-cloneable
 * objects tagged by `type`. Each command carries a numeric `id`; events that answer a
 * command echo it as `replyTo`, so the UI can await a reply (see `createWorkerClient`).
 * Add a message by adding one entry to `CommandMap` or `EventMap`: both sides then get
 * the new type checked.
 */

import type { Shard } from '../storage/datasetStore';
import type { NetworkSpec } from '../model/spec';

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

/**
 * A protocol between the UI and one worker: the commands it takes, the events it sends, and
 * for each command that has one, the event that answers it. Every worker also sends `error`.
 */
export interface Protocol {
  commands: object;
  events: { error: { message: string } };
  replies: object;
}

export type CommandOf<P extends Protocol, K extends keyof P['commands'] = keyof P['commands']> = {
  [T in K]: { type: T; id: number } & P['commands'][T];
}[K];

export type EventOf<P extends Protocol, K extends keyof P['events'] = keyof P['events']> = {
  [T in K]: { type: T; replyTo: number | null } & P['events'][T];
}[K];

// ---------------------------------------------------------------------------------------
// The training worker (src/train/worker.ts)
// ---------------------------------------------------------------------------------------

// --- Training runs (src/train/runner.ts) ---------------------------------------------------

/** Section 4.2's learning-rate schedule: `base`, times `factor` at each milestone. */
export interface LrSchedule {
  /** Learning rate at the start (paper: 0.1). */
  base: number;
  /** Multiplier applied at each milestone (paper: 0.1, i.e. divided by 10). */
  factor: number;
  /** Fractions of the planned steps where the rate drops (paper: 0.5, 0.75, 0.875). */
  milestones: number[];
}

/** SGD as in Section 4.2. */
export interface SgdConfig {
  /** Paper: 0.9. */
  momentum: number;
  /** Paper: 1e-4 (on weights and BN gamma; not on biases and BN beta, as the authors' MXNet). */
  weightDecay: number;
  /** Paper: true. */
  nesterov: boolean;
}

/** Everything that defines a training run; with the same backend, the same config trains alike. */
export interface RunConfig {
  /** A label for people. */
  name: string;
  spec: NetworkSpec;
  /** The dataset's name in the dataset store (src/data). */
  dataset: string;
  /** Seeds the weights, the batch order and the augmentation. */
  seed: number;
  epochs: number;
  batchSize: number;
  schedule: LrSchedule;
  sgd: SgdConfig;
  /** Pad 4, random crop, random flip (off for SVHN, as the paper). */
  augment: boolean;
  /** Evaluate on the test set every N steps as well as at each epoch's end (0: epoch ends only). */
  evalEverySteps: number;
  /** Evaluate on the first N test images (0: all of them). */
  testLimit: number;
  /** Train on the first N training images of each epoch's order (0: all of them). */
  trainLimit: number;
  /** Checkpoint every N minutes while running (also at each epoch's end and on pause). */
  checkpointEveryMinutes: number;
}

/**
 * queued: waits for its turn (queue mode); running; paused (by the user, a reload, a fault:
 * see `message`); stopped (by the user, final); finished (all epochs); failed (cannot go on).
 */
export type RunStatus = 'queued' | 'running' | 'paused' | 'stopped' | 'finished' | 'failed';

/** Training numbers averaged over the steps since the previous point. */
export interface TrainPoint {
  step: number;
  /** Fractional epoch (step / steps per epoch). */
  epoch: number;
  loss: number;
  /** Fraction of misclassified training images (0..1), with augmentation. */
  error: number;
  lr: number;
  imagesPerSecond: number;
}

/** One evaluation on the test set (BN in inference mode). */
export interface TestPoint {
  step: number;
  epoch: number;
  loss: number;
  /** Fraction of misclassified test images (0..1). */
  error: number;
}

/** A run's latest numbers, for the live read-out. */
export interface RunLive {
  /** Steps done. */
  step: number;
  totalSteps: number;
  epoch: number;
  lr: number;
  imagesPerSecond: number;
  trainLoss: number | null;
  trainError: number | null;
  testError: number | null;
  /** Estimated from the recent pace; null until known. */
  secondsLeft: number | null;
}

export interface RunSummary {
  id: string;
  config: RunConfig;
  status: RunStatus;
  /** Why it is paused or failed, for a person (null when there is nothing to say). */
  message: string | null;
  /** The backend its steps run on. */
  backend: BackendName | null;
  live: RunLive;
  /** The step of the last checkpoint in IndexedDB (null before the first). */
  checkpointStep: number | null;
}

export interface RunHistory {
  train: TrainPoint[];
  test: TestPoint[];
}

export interface RunMetricsUpdate {
  runId: string;
  live: RunLive;
  /** Points since the previous update, to append. */
  train: TrainPoint[];
  test: TestPoint[];
}

export interface CommandMap {
  /** Start tfjs: try the backends in `order` (default WebGPU, WebGL, CPU). */
  init: { order?: BackendName[] };
  /** Run a small convolution on the chosen backend and time it. */
  deviceCheck: Record<string, never>;
  /** Report tf.memory() (for leak checks). */
  memory: Record<string, never>;
  /** Start a run (queued behind a running one in queue mode). */
  startRun: { config: RunConfig };
  pauseRun: { runId: string };
  /** Resume a paused run (after a reload: from its last checkpoint). */
  resumeRun: { runId: string };
  /** Stop for good (the run and its last checkpoint stay in the runs list). */
  stopRun: { runId: string };
  /** One training step of a paused run. */
  stepRun: { runId: string };
  /** Change the learning rate now; later milestones of the schedule still divide it. */
  setLearningRate: { runId: string; lr: number };
  /** Race mode interleaves the steps of all running runs; queue mode runs one at a time. */
  setRaceMode: { race: boolean };
  /** The runs stored in IndexedDB (after a reload they show as paused). */
  listRuns: Record<string, never>;
  /** Forget a run and its checkpoint. */
  deleteRun: { runId: string };
  /** Test hook: destroy the WebGPU device, as a driver reset would (device.lost). */
  destroyDevice: Record<string, never>;
  /**
   * Pacing, asked by the UI on a software GPU adapter (SwiftShader: the GPU's work runs on the
   * CPU cores the page needs): about once a second the worker lets its queued GPU work finish,
   * sends `quietMoment`, and starts no step until `quietDone` (or `maxMs`), so the charts
   * redraw on idle cores.
   */
  setPacing: { enabled: boolean };
  /** The page has redrawn in the quiet moment; training goes on. */
  quietDone: Record<string, never>;
}

export interface EventMap {
  ready: BackendReport;
  deviceCheckResult: DeviceCheckResult;
  memoryReport: { numTensors: number; numBytes: number };
  /**
   * A run's status or settings changed (also the reply to the run commands). With `history`,
   * the run's history was replaced (a resume or a rollback to its checkpoint).
   */
  runUpdate: { run: RunSummary; history?: RunHistory };
  /** New numbers of the runs that moved (points to append): at most about 10 a second. */
  runMetrics: { updates: RunMetricsUpdate[] };
  /** The stored runs with their full history. */
  runList: { runs: { run: RunSummary; history: RunHistory }[]; race: boolean };
  raceMode: { race: boolean };
  runDeleted: { runId: string };
  /** The backend changed after a fault (e.g. the WebGPU device was lost). */
  backendChanged: { report: BackendReport; reason: string };
  deviceDestroyed: Record<string, never>;
  /** Pacing: the GPU is idle and no step starts for up to `maxMs` or until `quietDone`. */
  quietMoment: { maxMs: number };
  /** A command failed; `message` is for a person. */
  error: { message: string };
}

/** What a command's reply is: the event the worker answers it with. */
export const TRAINING_REPLIES = {
  init: 'ready',
  deviceCheck: 'deviceCheckResult',
  memory: 'memoryReport',
  startRun: 'runUpdate',
  pauseRun: 'runUpdate',
  resumeRun: 'runUpdate',
  stopRun: 'runUpdate',
  stepRun: 'runUpdate',
  setLearningRate: 'runUpdate',
  setRaceMode: 'raceMode',
  listRuns: 'runList',
  deleteRun: 'runDeleted',
  destroyDevice: 'deviceDestroyed',
} as const satisfies Partial<Record<keyof CommandMap, keyof EventMap>>;

export interface TrainingProtocol {
  commands: CommandMap;
  events: EventMap;
  replies: typeof TRAINING_REPLIES;
}

export type CommandType = keyof CommandMap;
export type EventType = keyof EventMap;
export type Command<K extends CommandType = CommandType> = CommandOf<TrainingProtocol, K>;
export type WorkerEvent<K extends EventType = EventType> = EventOf<TrainingProtocol, K>;

const COMMAND_TYPES: ReadonlySet<string> = new Set<CommandType>([
  'init',
  'deviceCheck',
  'memory',
  'startRun',
  'pauseRun',
  'resumeRun',
  'stopRun',
  'stepRun',
  'setLearningRate',
  'setRaceMode',
  'listRuns',
  'deleteRun',
  'destroyDevice',
  'setPacing',
  'quietDone',
]);
const EVENT_TYPES: ReadonlySet<string> = new Set<EventType>([
  'ready',
  'deviceCheckResult',
  'memoryReport',
  'runUpdate',
  'runMetrics',
  'runList',
  'raceMode',
  'runDeleted',
  'backendChanged',
  'deviceDestroyed',
  'quietMoment',
  'error',
]);

function isTagged(value: unknown): value is { type: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}

/** A guard for one protocol's commands (the worker's `onmessage` trusts nothing else). */
export function commandGuard<P extends Protocol>(types: ReadonlySet<string>) {
  return (value: unknown): value is CommandOf<P> =>
    isTagged(value) && types.has(value.type) && typeof (value as { id?: unknown }).id === 'number';
}

/** A guard for one protocol's events. */
export function eventGuard<P extends Protocol>(types: ReadonlySet<string>) {
  return (value: unknown): value is EventOf<P> => {
    if (!isTagged(value) || !types.has(value.type)) return false;
    const replyTo = (value as { replyTo?: unknown }).replyTo;
    return replyTo === null || typeof replyTo === 'number';
  };
}

export const isCommand = commandGuard<TrainingProtocol>(COMMAND_TYPES);
export const isWorkerEvent = eventGuard<TrainingProtocol>(EVENT_TYPES);

export function makeCommand<
  P extends Protocol = TrainingProtocol,
  K extends keyof P['commands'] = keyof P['commands'],
>(type: K, id: number, payload: P['commands'][K]): CommandOf<P, K> {
  return { ...payload, type, id } as CommandOf<P, K>;
}

export function makeEvent<
  P extends Protocol = TrainingProtocol,
  K extends keyof P['events'] = keyof P['events'],
>(type: K, payload: P['events'][K], replyTo: number | null = null): EventOf<P, K> {
  return { ...payload, type, replyTo } as EventOf<P, K>;
}

/** The subset of `Worker` the client needs; a fake in unit tests. */
export interface MessagePort_ {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

type ReplyEvent<P extends Protocol, K> = K extends keyof P['replies']
  ? P['replies'][K] extends keyof P['events']
    ? EventOf<P, P['replies'][K]>
    : never
  : never;

export interface ClientOf<P extends Protocol> {
  /** Post a command without waiting. Returns its id. */
  post<K extends keyof P['commands']>(
    type: K,
    payload: P['commands'][K],
    transfer?: Transferable[],
  ): number;
  /** Post a command and resolve with its reply; reject with the worker's error message. */
  request<K extends keyof P['replies'] & keyof P['commands']>(
    type: K,
    payload: P['commands'][K],
    timeoutMs?: number,
    transfer?: Transferable[],
  ): Promise<ReplyEvent<P, K>>;
  /** Listen to every event of one type. Returns an unsubscribe function. */
  on<K extends keyof P['events']>(type: K, listener: (event: EventOf<P, K>) => void): () => void;
  dispose(): void;
}

export type WorkerClient = ClientOf<TrainingProtocol>;

export class WorkerRequestError extends Error {
  override name = 'WorkerRequestError';
}

/** A typed client for one worker: numbered requests, replies matched by id, listeners. */
export function createClient<P extends Protocol>(
  port: MessagePort_,
  replies: P['replies'],
  isEvent: (value: unknown) => value is EventOf<P>,
): ClientOf<P> {
  type AnyEvent = { type: string; replyTo: number | null; message?: string };
  type AnyListener = (event: AnyEvent) => void;
  let nextId = 1;
  const listeners = new Map<string, Set<AnyListener>>();
  const pending = new Map<
    number,
    { expect: string; resolve: (e: AnyEvent) => void; reject: (e: Error) => void }
  >();

  const onMessage = (message: MessageEvent): void => {
    const data: unknown = message.data;
    if (!isEvent(data)) return;
    const event = data as unknown as AnyEvent;
    if (event.replyTo !== null) {
      const waiter = pending.get(event.replyTo);
      if (waiter && (event.type === waiter.expect || event.type === 'error')) {
        pending.delete(event.replyTo);
        if (event.type === 'error') waiter.reject(new WorkerRequestError(event.message ?? ''));
        else waiter.resolve(event);
      }
    }
    listeners.get(event.type)?.forEach((listener) => listener(event));
  };
  port.addEventListener('message', onMessage);

  const post = (type: PropertyKey, payload: object, transfer: Transferable[] = []): number => {
    const id = nextId++;
    port.postMessage({ ...payload, type, id }, transfer);
    return id;
  };

  return {
    post: (type, payload, transfer) => post(type, payload as object, transfer),
    request(type, payload, timeoutMs = 120_000, transfer = []) {
      const expect = String((replies as Record<PropertyKey, string>)[type]);
      return new Promise((resolve, reject) => {
        const id = post(type, payload as object, transfer);
        const timer = setTimeout(() => {
          if (pending.delete(id)) {
            reject(
              new WorkerRequestError(
                `The worker did not answer "${String(type)}" in ${timeoutMs} ms`,
              ),
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
      // Stored under its own type only, so it only ever receives that type's events.
      const stored = listener as unknown as AnyListener;
      const key = String(type);
      const set = listeners.get(key) ?? new Set<AnyListener>();
      set.add(stored);
      listeners.set(key, set);
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

/** The training worker's client. */
export function createWorkerClient(port: MessagePort_): WorkerClient {
  return createClient<TrainingProtocol>(port, TRAINING_REPLIES, isWorkerEvent);
}

// ---------------------------------------------------------------------------------------
// The dataset import worker (src/data/import.worker.ts): a second protocol, same machinery
// ---------------------------------------------------------------------------------------

type DataImportRequest = import('../data/importer').ImportRequest;
type DataImportProgress = import('../data/importer').ImportProgress;
type StoredDatasetManifest = import('../storage/datasetStore').DatasetManifest;

export interface DataCommandMap {
  /** Import files (File objects) or URLs as one new dataset. Progress arrives as
   * `importProgress` events whose `importId` is this command's id. */
  importDataset: { request: DataImportRequest };
  /** Stop the import started by command `importId`; it then fails with
   * "Import cancelled; nothing was stored." and leaves nothing behind. */
  cancelImport: { importId: number };
}

export interface DataEventMap {
  /** Throttled to about ten a second: for a progress bar, images/s and time left. */
  importProgress: { importId: number } & DataImportProgress;
  /** The import is stored and visible; `seconds` from command to commit. */
  imported: { manifest: StoredDatasetManifest; seconds: number };
  /** Whether an import with that id was running when the cancel arrived. */
  cancelRequested: { importId: number; found: boolean };
  /** A command failed; `message` is for a person. */
  error: { message: string };
}

export const DATA_REPLIES = {
  importDataset: 'imported',
  cancelImport: 'cancelRequested',
} as const satisfies Partial<Record<keyof DataCommandMap, keyof DataEventMap>>;

export interface DataProtocol {
  commands: DataCommandMap;
  events: DataEventMap;
  replies: typeof DATA_REPLIES;
}

export type DataCommand<K extends keyof DataCommandMap = keyof DataCommandMap> = CommandOf<
  DataProtocol,
  K
>;
export type DataEvent<K extends keyof DataEventMap = keyof DataEventMap> = EventOf<DataProtocol, K>;
export type DataClient = ClientOf<DataProtocol>;

export const isDataCommand = commandGuard<DataProtocol>(
  new Set<keyof DataCommandMap>(['importDataset', 'cancelImport']),
);
export const isDataEvent = eventGuard<DataProtocol>(
  new Set<keyof DataEventMap>(['importProgress', 'imported', 'cancelRequested', 'error']),
);

/** The import worker's client. */
export function createDataClient(port: MessagePort_): DataClient {
  return createClient<DataProtocol>(port, DATA_REPLIES, isDataEvent);
}

/**
 * The import worker's shard writer (a worker of its own, src/data/shardWriter.worker.ts):
 * hashing a shard and IndexedDB's serialization of it cost about as much as decoding, so
 * they run beside the import instead of after it.
 */
export interface ShardWriterCommandMap {
  /** Hash and store one shard (its buffers are transferred). */
  storeShard: { shard: Shard };
}

export interface ShardWriterEventMap {
  /** The shard is stored: its SHA-256 digests (pixels, labels); or why it is not. */
  shardStored:
    | { ok: true; pixelsDigest: ArrayBuffer; labelsDigest: ArrayBuffer }
    | { ok: false; errorName: string; message: string };
  error: { message: string };
}

export const SHARD_WRITER_REPLIES = {
  storeShard: 'shardStored',
} as const satisfies Partial<Record<keyof ShardWriterCommandMap, keyof ShardWriterEventMap>>;

export interface ShardWriterProtocol {
  commands: ShardWriterCommandMap;
  events: ShardWriterEventMap;
  replies: typeof SHARD_WRITER_REPLIES;
}

export const isShardWriterCommand = commandGuard<ShardWriterProtocol>(
  new Set<keyof ShardWriterCommandMap>(['storeShard']),
);
export const isShardWriterEvent = eventGuard<ShardWriterProtocol>(
  new Set<keyof ShardWriterEventMap>(['shardStored', 'error']),
);

export function createShardWriterClient(port: MessagePort_): ClientOf<ShardWriterProtocol> {
  return createClient<ShardWriterProtocol>(port, SHARD_WRITER_REPLIES, isShardWriterEvent);
}
