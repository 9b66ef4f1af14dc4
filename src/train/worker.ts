/// <reference lib="webworker" />
/**
 * The training worker's entry: owns tfjs, every tensor and the runs database. It only speaks
 * the protocol in ../protocol/training.ts; anything else posted to it is ignored.
 */
import * as tf from '@tensorflow/tfjs';
import { buildNetwork } from '../model/builder';
import { validateSpec } from '../model/schema';
import type { BackendName, BackendReport } from '../model/backend';
import type { RunConfig } from '../model/run';
import { dispatch } from '../protocol/rpc';
import {
  isCommand,
  makeEvent,
  type EventMap,
  type EventType,
  type TrainingHandlers,
} from '../protocol/training';
import { DEFAULT_BACKEND_ORDER, currentWebGpu, initBackend } from './backend';
import { measureDevice } from './calibrate';
import { checkpointWeights, openRunsDb } from '../storage/checkpoint';
import { adapterKey, KernelChoiceStore } from '../storage/kernelChoiceStore';
import { KERNELS_VERSION } from './fused/tuning';
import { KernelTuner, untunedReport } from './kernelTuner';
import { indexedDbDataSource } from './datasetSource';
import { runDeviceCheck } from './deviceCheck';
import { memoryRefusal, planStepMemory } from './fused/memoryPlan';
import { adapterRefusal } from './limits';
import { Runner } from './runner';

declare const self: DedicatedWorkerGlobalScope;

function emit<K extends EventType>(
  type: K,
  payload: EventMap[K],
  replyTo: number | null,
  transfer: Transferable[] = [],
): void {
  self.postMessage(makeEvent(type, payload, replyTo), transfer);
}

let ready: Promise<BackendReport> | null = null;
let runner: Runner | null = null;

/** Why `config` cannot train here: spec errors, or a buffer larger than the adapter allows. */
function refusal(config: RunConfig): string | null {
  const checked = validateSpec(config.spec);
  if (!checked.ok) return `The network is not valid: ${checked.errors.join('; ')}.`;
  const gpu = currentWebGpu();
  if (tf.getBackend() === 'webgpu' && gpu) {
    // The fused step's planned memory (fused/memoryPlan.ts) against the same limits.
    return (
      adapterRefusal(config.spec, config.batchSize, gpu.device.limits) ??
      memoryRefusal(planStepMemory(config.spec, config.batchSize), gpu.device.limits)
    );
  }
  return null;
}

/** When the WebGPU device goes (driver reset, or the test hook), recover the runs. */
function watchDevice(): void {
  const gpu = currentWebGpu();
  if (!gpu || tf.getBackend() !== 'webgpu') return;
  const device = gpu.device;
  void device.lost.then((info) => {
    if (currentWebGpu()?.device !== device) return;
    const reason = info.message || info.reason || 'unknown reason';
    if (runner) void runner.onDeviceLost(reason);
    else void reinitBackend().catch(() => undefined);
  });
}

async function reinitBackend(options: { skipWebGpu?: boolean } = {}): Promise<BackendReport> {
  const report = await initBackend(
    options.skipWebGpu ? DEFAULT_BACKEND_ORDER.filter((b) => b !== 'webgpu') : undefined,
  );
  ready = Promise.resolve(report);
  calibrating = null;
  watchDevice();
  return report;
}

/** Whether the WebGPU device in use is lost, or is announced lost within `ms`. */
function deviceLost(ms: number): Promise<boolean> {
  const gpu = currentWebGpu();
  if (!gpu || tf.getBackend() !== 'webgpu') return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void gpu.device.lost.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * One writer across tabs: the worker that holds this Web Lock owns the runs store (trains,
 * checkpoints, restores interrupted runs). A second tab's worker waits for it, showing the
 * stored runs read-only meanwhile, and takes over when the first tab closes (the browser
 * releases a closed tab's locks).
 */
const RUNS_LOCK = 'dmrnet-runs-writer';
const ELSEWHERE =
  'Training in another tab: these runs belong to another tab of the playground and are shown read-only here. Control them there; this tab takes over when that one closes.';
const STORE_CLOSED =
  'The playground was updated in another tab, so this tab closed its storage to let the update finish: reload this tab to go on (runs are paused at their last checkpoint).';

/** Resolves true once the lock is held (until the worker ends), false when `ifAvailable` and taken. */
function holdRunsLock(ifAvailable: boolean): Promise<boolean> {
  const locks = (self.navigator as WorkerNavigator & { locks?: LockManager }).locks;
  if (!locks) return Promise.resolve(true); // no Web Locks: a single writer cannot be enforced
  return new Promise<boolean>((resolve) => {
    locks
      .request(RUNS_LOCK, { ifAvailable }, (lock) => {
        if (!lock) {
          resolve(false);
          return undefined;
        }
        resolve(true);
        return new Promise<void>(() => undefined); // held for the worker's lifetime
      })
      .catch(() => resolve(false));
  });
}

let runsDb: ReturnType<typeof openRunsDb> | null = null;
/** The start-up measurement (once per backend); runs wait for it so they do not spoil it. */
let calibrating: ReturnType<typeof measureDevice> | null = null;

/** The runs database, closed (and the runner stopped) when another tab upgrades it. */
function runsDatabase(): ReturnType<typeof openRunsDb> {
  runsDb ??= openRunsDb(undefined, {
    onVersionChange: () => {
      runner?.storageClosed(STORE_CLOSED);
      emit('runsOwner', { readOnly: STORE_CLOSED, notice: STORE_CLOSED }, null);
    },
  });
  return runsDb;
}

let runnerPromise: Promise<Runner> | null = null;

let kernelStore: Promise<KernelChoiceStore> | null = null;
let tuner: { device: GPUDevice; tuner: KernelTuner } | null = null;

/**
 * The convolution tuner of the WebGPU device in use (kernelTuner.ts), made again when the
 * device changes (a loss); null off WebGPU.
 */
function kernelTuner(): KernelTuner | null {
  const gpu = currentWebGpu();
  if (!gpu || tf.getBackend() !== 'webgpu') return null;
  if (tuner?.device === gpu.device) return tuner.tuner;
  tuner?.tuner.dispose();
  kernelStore ??= KernelChoiceStore.open();
  const key = adapterKey(gpu.adapter.info, { tfjs: tf.version.tfjs, kernels: KERNELS_VERSION });
  tuner = {
    device: gpu.device,
    tuner: new KernelTuner(key, kernelStore, (report) => emit('kernelChoices', report, null)),
  };
  return tuner.tuner;
}

async function createRunner(): Promise<Runner> {
  const created = new Runner({
    db: await runsDatabase(),
    data: indexedDbDataSource(),
    buildNetwork: (spec, seed) => buildNetwork(spec, { seed }),
    backendName: () => tf.getBackend() as BackendName,
    refusal,
    emit: (type, payload) => emit(type, payload, null),
    reinitBackend,
    deviceLost,
    tuner: kernelTuner,
  });
  if (!(await holdRunsLock(true))) {
    created.setReadOnly(ELSEWHERE);
    void holdRunsLock(false).then(async (held) => {
      if (!held) return;
      await created.takeOver();
      emit(
        'runsOwner',
        {
          readOnly: null,
          notice:
            'The other tab of the playground closed: this tab trains these runs now. Runs that were training there are paused at their last checkpoint; resume them here.',
        },
        null,
      );
    });
  }
  runner = created;
  return created;
}

async function trainingRunner(): Promise<Runner> {
  if (!ready) throw new Error('The worker has not been initialised yet');
  await ready;
  if (calibrating) await calibrating.catch(() => undefined);
  runnerPromise ??= createRunner();
  return runnerPromise;
}

const handlers: TrainingHandlers = {
  async init(command) {
    ready ??= initBackend(command.order).then((report) => {
      watchDevice();
      return report;
    });
    emit('ready', await ready, command.id);
  },
  async deviceCheck(command) {
    if (!ready) throw new Error('The worker has not been initialised yet');
    await ready;
    emit('deviceCheckResult', await runDeviceCheck(), command.id);
  },
  async calibrate(command) {
    if (!ready) throw new Error('The worker has not been initialised yet');
    await ready;
    calibrating ??= measureDevice();
    emit('calibrated', await calibrating, command.id);
  },
  async memory(command) {
    const { numTensors, numBytes } = tf.memory();
    const tuningTensors = tuner?.tuner.heldTensors() ?? 0;
    emit('memoryReport', { numTensors, numBytes, tuningTensors }, command.id);
  },
  async startRun(command) {
    const run = await (await trainingRunner()).start(command.config);
    emit('runUpdate', { run }, command.id);
  },
  async pauseRun(command) {
    emit('runUpdate', { run: await (await trainingRunner()).pause(command.runId) }, command.id);
  },
  async resumeRun(command) {
    emit('runUpdate', { run: await (await trainingRunner()).resume(command.runId) }, command.id);
  },
  async stopRun(command) {
    emit('runUpdate', { run: await (await trainingRunner()).stop(command.runId) }, command.id);
  },
  async stepRun(command) {
    emit('runUpdate', { run: await (await trainingRunner()).stepOnce(command.runId) }, command.id);
  },
  async setLearningRate(command) {
    const r = await trainingRunner();
    emit('runUpdate', { run: await r.setLearningRate(command.runId, command.lr) }, command.id);
  },
  async setRaceMode(command) {
    const r = await trainingRunner();
    r.setRace(command.race);
    emit('raceMode', { race: r.race }, command.id);
  },
  async listRuns(command) {
    emit('runList', await (await trainingRunner()).list(), command.id);
  },
  async deleteRun(command) {
    await (await trainingRunner()).remove(command.runId);
    emit('runDeleted', { runId: command.runId }, command.id);
  },
  async getRunWeights(command) {
    // Needs no backend: only the runs database, which this worker owns.
    const tensors = await checkpointWeights(await runsDatabase(), command.runId);
    if (!tensors) {
      throw new Error('this run has no checkpoint yet: let it train a little, then pause it');
    }
    const transfer = tensors.map((t) => t.values.buffer as ArrayBuffer);
    emit('runWeights', { runId: command.runId, tensors }, command.id, transfer);
  },
  async setPacing(command) {
    (await trainingRunner()).setPacing(command.enabled);
  },
  quietDone() {
    runner?.quietDone();
  },
  async measureTestPass(command) {
    const r = await trainingRunner();
    const timing = await r.measureTestPass(command.runId, command.passes, command.insight);
    emit('testPassTiming', timing, command.id);
  },
  checkpointNow() {
    runner?.checkpointAll();
  },
  async getKernelChoices(command) {
    if (ready) await ready;
    emit('kernelChoices', kernelTuner()?.report() ?? untunedReport(), command.id);
  },
  async retuneKernels(command) {
    const t = kernelTuner();
    if (!t) throw new Error(untunedReport().note!);
    await t.retune();
    emit('kernelChoices', t.report(), command.id);
  },
  async clearKernelChoices(command) {
    const t = kernelTuner();
    if (!t) throw new Error(untunedReport().note!);
    await t.clear();
    emit('kernelChoices', t.report(), command.id);
  },
  async destroyDevice(command) {
    const gpu = currentWebGpu();
    if (!gpu || tf.getBackend() !== 'webgpu')
      throw new Error('Not training on WebGPU: no device to destroy');
    gpu.device.destroy();
    emit('deviceDestroyed', {}, command.id);
  },
};

self.addEventListener('message', (event: MessageEvent) => {
  const command: unknown = event.data;
  if (!isCommand(command)) return;
  Promise.resolve()
    .then(() => dispatch(handlers, command))
    .catch((error: unknown) => {
      emit(
        'error',
        { message: error instanceof Error ? error.message : String(error) },
        command.id,
      );
    });
});
