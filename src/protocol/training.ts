/**
 * The training worker's protocol (src/train/worker.ts): every command the UI sends it and
 * every event it sends back, each listed once in TRAINING_PROTOCOL. The types the messages
 * carry are the domain's (model/run.ts, model/backend.ts), re-exported here for its users.
 */
import type { BackendName, BackendReport, DeviceCheckResult } from '../model/backend';
import type {
  RunConfig,
  RunHistory,
  RunMetricsUpdate,
  RunProgress,
  RunSummary,
} from '../model/run';
import type { KernelChoicesReport } from '../model/kernelChoices';
import type { DeviceMeasurement } from '../model/trainingCost';
import {
  command,
  commandGuard,
  createClient,
  defineProtocol,
  event,
  eventGuard,
  makeCommand as makeAnyCommand,
  makeEvent as makeAnyEvent,
  request,
  type ClientOf,
  type CommandHandlers,
  type CommandOf,
  type EventOf,
  type MessagePort_,
  type ProtocolOf,
} from './rpc';

export { BACKEND_NAMES } from '../model/backend';
export type {
  AdapterSummary,
  BackendName,
  BackendReport,
  DeviceCheckResult,
  RefusedBackend,
} from '../model/backend';
export type {
  InsightGrid,
  LrSchedule,
  RunConfig,
  RunHistory,
  RunLive,
  RunMetricsUpdate,
  RunProgress,
  RunStatus,
  RunSummary,
  SgdConfig,
  TestInsight,
  StartPhase,
  TestPoint,
  TrainPoint,
} from '../model/run';
export type {
  KernelChoice,
  KernelChoicesReport,
  KernelPass,
  TimedCandidate,
} from '../model/kernelChoices';
export { WorkerRequestError, type MessagePort_ } from './rpc';

/** What `measureTestPass` measured (all times in milliseconds). */
export interface TestPassTiming {
  backend: BackendName | null;
  testImages: number;
  withInsightMs: number[];
  withoutInsightMs: number[];
  /** Of the passes with the insight: the worker's time on it (counting, the grid, concat). */
  insightCpuMs: number[];
}

/** A tensor of a run's checkpoint, by the name model/plan.ts gives it. */
export interface RunTensor {
  name: string;
  shape: number[];
  /** float32 values (transferred). */
  values: Float32Array;
}

export const TRAINING_PROTOCOL = defineProtocol({
  commands: {
    /** Start tfjs: try the backends in `order` (default WebGPU, WebGL, CPU). */
    init: request<{ order?: BackendName[] }>().answeredBy('ready'),
    /** Run a small convolution on the chosen backend and time it. */
    deviceCheck: request().answeredBy('deviceCheckResult'),
    /** Report tf.memory() (for leak checks). */
    memory: request().answeredBy('memoryReport'),
    /** Measure the device with a few steps of a tiny fixed network (once; later calls reuse it). */
    calibrate: request().answeredBy('calibrated'),
    /** Start a run (queued behind a running one in queue mode). */
    startRun: request<{ config: RunConfig }>().answeredBy('runUpdate'),
    pauseRun: request<{ runId: string }>().answeredBy('runUpdate'),
    /** Resume a paused run (after a reload: from its last checkpoint). */
    resumeRun: request<{ runId: string }>().answeredBy('runUpdate'),
    /** Stop for good (the run and its last checkpoint stay in the runs list). */
    stopRun: request<{ runId: string }>().answeredBy('runUpdate'),
    /** One training step of a paused run. */
    stepRun: request<{ runId: string }>().answeredBy('runUpdate'),
    /** Change the learning rate now; later milestones of the schedule still divide it. */
    setLearningRate: request<{ runId: string; lr: number }>().answeredBy('runUpdate'),
    /** Race mode interleaves the steps of all running runs; queue mode runs one at a time. */
    setRaceMode: request<{ race: boolean }>().answeredBy('raceMode'),
    /** The runs stored in IndexedDB (after a reload they show as paused). */
    listRuns: request().answeredBy('runList'),
    /** Forget a run and its checkpoint. */
    deleteRun: request<{ runId: string }>().answeredBy('runDeleted'),
    /**
     * The weights of a run's last checkpoint, for the PyTorch export: the worker owns the runs
     * database, so the page asks it rather than opening the database itself.
     */
    getRunWeights: request<{ runId: string }>().answeredBy('runWeights'),
    /** Test hook: destroy the WebGPU device, as a driver reset would (device.lost). */
    destroyDevice: request().answeredBy('deviceDestroyed'),
    /**
     * Benchmark hook (scripts/bench-insights.ts): time `passes` test passes of a paused run with
     * the per-class insight and as many without, interleaved (or, with `insight`, only passes
     * of that kind); the run's history is left alone.
     */
    measureTestPass: request<{ runId: string; passes: number; insight?: boolean }>().answeredBy(
      'testPassTiming',
    ),
    /**
     * Pacing, asked by the UI on a software GPU adapter (SwiftShader: the GPU's work runs on the
     * CPU cores the page needs): about once a second the worker lets its queued GPU work finish,
     * sends `quietMoment`, and starts no step until `quietDone` (or `maxMs`), so the charts
     * redraw on idle cores.
     */
    setPacing: command<{ enabled: boolean }>(),
    /** The page has redrawn in the quiet moment; training goes on. */
    quietDone: command(),
    /**
     * The page is being hidden or closed: checkpoint every running run now, in the background
     * (the timed checkpoints bound what is lost when the page goes before it is written).
     */
    checkpointNow: command(),
    /** The convolution layouts tuned for this adapter (the device panel lists them). */
    getKernelChoices: request().answeredBy('kernelChoices'),
    /** Forget this adapter's tuned layouts and time the shapes seen so far again. */
    retuneKernels: request().answeredBy('kernelChoices'),
    /** Forget this adapter's tuned layouts: back to the untuned ones until the next run tunes. */
    clearKernelChoices: request().answeredBy('kernelChoices'),
  },
  events: {
    ready: event<BackendReport>(),
    deviceCheckResult: event<DeviceCheckResult>(),
    /** tuningTensors: held by kernel tunings in progress (freed when each is done). */
    memoryReport: event<{ numTensors: number; numBytes: number; tuningTensors: number }>(),
    /** The start-up measurement of the device (src/train/calibrate.ts). */
    calibrated: event<DeviceMeasurement>(),
    /** A run's way to its first loss point (see StartPhase): at each phase and kernel prepared. */
    runProgress: event<RunProgress>(),
    /**
     * A run's status or settings changed (also the reply to the run commands). With `history`,
     * the run's history was replaced (a resume or a rollback to its checkpoint).
     */
    runUpdate: event<{ run: RunSummary; history?: RunHistory }>(),
    /** New numbers of the runs that moved (points to append): at most about 10 a second. */
    runMetrics: event<{ updates: RunMetricsUpdate[] }>(),
    /**
     * The stored runs with their full history. `readOnly`: why this tab may only look at them
     * (another tab trains them), or null when this tab's worker owns them. `damaged`: stored
     * runs that could not be read, each with why.
     */
    runList: event<{
      runs: { run: RunSummary; history: RunHistory }[];
      race: boolean;
      readOnly: string | null;
      damaged: string[];
    }>(),
    /**
     * Who writes the runs changed: this tab took over (`readOnly` null), or the store closed
     * under it (another tab updated the app). `notice` is for a person; list the runs again.
     */
    runsOwner: event<{ readOnly: string | null; notice: string }>(),
    raceMode: event<{ race: boolean }>(),
    runDeleted: event<{ runId: string }>(),
    /** Trainable weights, then BN running averages, of the run's last checkpoint. */
    runWeights: event<{ runId: string; tensors: RunTensor[] }>(),
    /** The backend changed after a fault (e.g. the WebGPU device was lost). */
    backendChanged: event<{ report: BackendReport; reason: string }>(),
    deviceDestroyed: event(),
    /** Wall-clock ms of each measured pass, and the insight's own worker CPU ms in each. */
    testPassTiming: event<TestPassTiming>(),
    /** Pacing: the GPU is idle and no step starts for up to `maxMs` or until `quietDone`. */
    quietMoment: event<{ maxMs: number }>(),
    /** The tuned convolution layouts changed (cached ones applied, a shape timed, cleared). */
    kernelChoices: event<KernelChoicesReport>(),
    /** A command failed; `message` is for a person. */
    error: event<{ message: string }>(),
  },
});

export type TrainingProtocol = ProtocolOf<typeof TRAINING_PROTOCOL>;
export type CommandMap = TrainingProtocol['commands'];
export type EventMap = TrainingProtocol['events'];
export type CommandType = keyof CommandMap;
export type EventType = keyof EventMap;
export type Command<K extends CommandType = CommandType> = CommandOf<TrainingProtocol, K>;
export type WorkerEvent<K extends EventType = EventType> = EventOf<TrainingProtocol, K>;
/** The worker's handler table: one per command, or it does not compile. */
export type TrainingHandlers = CommandHandlers<TrainingProtocol>;
export type WorkerClient = ClientOf<TrainingProtocol>;

export const isCommand = commandGuard<TrainingProtocol>(TRAINING_PROTOCOL);
export const isWorkerEvent = eventGuard<TrainingProtocol>(TRAINING_PROTOCOL);

export function makeCommand<K extends CommandType>(
  type: K,
  id: number,
  payload: CommandMap[K],
): Command<K> {
  return makeAnyCommand<TrainingProtocol, K>(type, id, payload);
}

export function makeEvent<K extends EventType>(
  type: K,
  payload: EventMap[K],
  replyTo: number | null = null,
): WorkerEvent<K> {
  return makeAnyEvent<TrainingProtocol, K>(type, payload, replyTo);
}

/** The training worker's client. */
export function createWorkerClient(port: MessagePort_): WorkerClient {
  return createClient(port, TRAINING_PROTOCOL);
}
