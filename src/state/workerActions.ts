/** Module-level actions that drive the training worker and record what it says. */
import {
  BACKEND_NAMES,
  createWorkerClient,
  type BackendName,
  type KernelChoicesReport,
  type WorkerClient,
} from '../protocol/training';
import { whenDataIdle } from './datasetActions';
import { persistDeviceCost, storedDeviceCost } from './deviceCost';
import { useAppStore } from './store';
import type { WorkerSlice } from './workerSlice';

let client: WorkerClient | null = null;

function setWorker(patch: Partial<WorkerSlice['worker']>): void {
  useAppStore.setState((s) => ({ worker: { ...s.worker, ...patch } }));
}

/** `?backend=cpu` (or webgl, webgpu) in the page URL forces the first backend tried. */
export function backendOrderFromUrl(search: string): BackendName[] | undefined {
  const wanted = new URLSearchParams(search).get('backend');
  if (!wanted) return undefined;
  const name = BACKEND_NAMES.find((b) => b === wanted);
  if (!name) return undefined;
  return [name, ...BACKEND_NAMES.filter((b) => b !== name)];
}

/** The report of a `kernelChoices` event, without the message's envelope. */
function kernelReport(e: KernelChoicesReport): KernelChoicesReport {
  const { adapterKey, choices, pending, timedCandidates, tuningMs, note } = e;
  return { adapterKey, choices, pending, timedCandidates, tuningMs, note };
}

export function getWorkerClient(): WorkerClient {
  if (!client) throw new Error('The training worker has not been started');
  return client;
}

export async function startWorker(order?: BackendName[]): Promise<void> {
  if (client) return;
  const worker = new Worker(new URL('../train/worker.ts', import.meta.url), { type: 'module' });
  worker.addEventListener('error', (event) => {
    setWorker({ status: 'failed', failure: `The training worker crashed: ${event.message}` });
  });
  client = createWorkerClient(worker);
  client.on('kernelChoices', (e) => setWorker({ kernels: kernelReport(e) }));
  setWorker({ status: 'starting' });
  try {
    const report = await client.request('init', order ? { order } : {});
    setWorker({ status: 'ready', report });
    void measureDeviceCost();
    void client
      .request('getKernelChoices', {})
      .then((e) => setWorker({ kernels: kernelReport(e) }))
      .catch(() => undefined); // the device panel then shows nothing tuned
  } catch (error) {
    setWorker({
      status: 'failed',
      failure: error instanceof Error ? error.message : String(error),
    });
  }
}

export async function runDeviceCheck(): Promise<void> {
  setWorker({ deviceCheck: { state: 'running' } });
  try {
    const result = await getWorkerClient().request('deviceCheck', {});
    setWorker({ deviceCheck: { state: 'done', result } });
  } catch (error) {
    setWorker({
      deviceCheck: {
        state: 'failed',
        message: error instanceof Error ? error.message : String(error),
      },
    });
  }
}

/**
 * The device panel's "Re-tune" (forget this adapter's layouts and time them again) or "Clear"
 * (forget them: untuned layouts until the next run tunes).
 */
export async function changeKernelChoices(action: 'retune' | 'clear'): Promise<void> {
  setWorker({ kernelAction: { state: 'busy' } });
  try {
    const kernels = kernelReport(
      await getWorkerClient().request(
        action === 'retune' ? 'retuneKernels' : 'clearKernelChoices',
        {},
      ),
    );
    setWorker({ kernels, kernelAction: { state: 'idle' } });
  } catch (error) {
    setWorker({
      kernelAction: {
        state: 'failed',
        message: error instanceof Error ? error.message : String(error),
      },
    });
  }
}

/** tf.memory() in the worker, for a person: the tensor count must stay flat while training. */
export async function workerMemoryText(): Promise<string> {
  try {
    const m = await getWorkerClient().request('memory', {});
    const tuning = m.tuningTensors > 0 ? ` (${m.tuningTensors} held by kernel tuning)` : '';
    return `${m.numTensors} tensors${tuning}, ${(m.numBytes / 2 ** 20).toFixed(1)} MiB`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Measures the device for the estimates (once per worker; the estimates wait for it), unless
 * an earlier visit on this adapter left its calibration, refined by its runs: then that.
 */
export async function measureDeviceCost(): Promise<void> {
  const stored = storedDeviceCost();
  if (stored) {
    setWorker({ cost: { state: 'known', ...stored, stored: true } });
    return;
  }
  setWorker({ cost: { state: 'measuring' } });
  await whenDataIdle();
  try {
    const { calibration, measured } = await getWorkerClient().request('calibrate', {}, 180_000);
    setWorker({ cost: { state: 'known', calibration, measured, stored: false } });
    persistDeviceCost();
  } catch (error) {
    setWorker({
      cost: {
        state: 'failed',
        message: `Could not measure this device: ${error instanceof Error ? error.message : String(error)}`,
      },
    });
  }
}
