import type { StateCreator } from 'zustand';
import type { DeviceCalibration, DeviceMeasurement } from '../model/trainingCost';
import type { BackendReport, DeviceCheckResult, KernelChoicesReport } from '../protocol/training';

export type WorkerStatus = 'starting' | 'ready' | 'failed';

export interface WorkerSlice {
  worker: {
    status: WorkerStatus;
    report: BackendReport | null;
    /** Why the worker could not start at all (no backend, or the worker script failed). */
    failure: string | null;
    deviceCheck:
      | { state: 'idle' }
      | { state: 'running' }
      | { state: 'done'; result: DeviceCheckResult }
      | { state: 'failed'; message: string };
    /**
     * This device's speed for the estimates beside Start (model/trainingCost.ts): measured by
     * the worker at start-up, refined by every run's real step times.
     */
    cost:
      | { state: 'measuring' }
      | {
          state: 'known';
          calibration: DeviceCalibration;
          measured: DeviceMeasurement['measured'];
          /** Read back from an earlier visit on this adapter (storage/deviceCostStore.ts). */
          stored: boolean;
        }
      | { state: 'failed'; message: string };
    /** The convolution layouts tuned for this adapter (null until the worker reports). */
    kernels: KernelChoicesReport | null;
    /** A re-tune or clear in progress, or why the last one failed. */
    kernelAction: { state: 'idle' } | { state: 'busy' } | { state: 'failed'; message: string };
  };
}

export const initialWorkerState: WorkerSlice['worker'] = {
  status: 'starting',
  report: null,
  failure: null,
  deviceCheck: { state: 'idle' },
  cost: { state: 'measuring' },
  kernels: null,
  kernelAction: { state: 'idle' },
};

export const createWorkerSlice: StateCreator<WorkerSlice, [], [], WorkerSlice> = () => ({
  worker: initialWorkerState,
});
