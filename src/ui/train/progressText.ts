import type { RunLive } from '../../model/run';
import type { RunStartView } from '../../state/trainingSlice';
import { formatDuration } from '../format';

/** A run's progress in words: its start phases, then step n/N with the time left. */
export function progressText(
  status: string,
  progress: RunStartView | undefined,
  live: RunLive,
): string {
  if (status === 'running' && progress && progress.phase !== 'training') {
    switch (progress.phase) {
      case 'loading':
        return 'Loading the data and building the network…';
      case 'preparing':
        return progress.total > 0
          ? `Preparing kernels ${progress.done}/${progress.total}…`
          : 'Preparing kernels…';
      case 'firstStep':
        return 'First step (the device compiles its kernels)…';
    }
  }
  const steps = `Step ${live.step}/${live.totalSteps}`;
  if (status !== 'running') return steps;
  return live.secondsLeft === null
    ? `${steps} · time left: measuring`
    : `${steps} · ${formatDuration(live.secondsLeft)} left`;
}
