/** Runs for the training slice's tests: a summary as the worker sends it for a new run. */
import type { RunConfig, RunLive, RunSummary } from '../../protocol/training';

/** The live numbers of a run of 10 steps that has not made its first. */
export const FRESH_LIVE: RunLive = {
  step: 0,
  totalSteps: 10,
  epoch: 0,
  lr: 0.1,
  imagesPerSecond: 0,
  trainLoss: null,
  trainError: null,
  testError: null,
  secondsLeft: null,
};

/** Run `id` with `config` on WebGPU, before its first step and checkpoint. */
export function runSummary(
  id: string,
  config: RunConfig,
  status: RunSummary['status'] = 'running',
): RunSummary {
  return {
    id,
    config,
    status,
    message: null,
    backend: 'webgpu',
    live: { ...FRESH_LIVE },
    checkpointStep: null,
  };
}
