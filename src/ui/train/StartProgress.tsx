import type { RunLive } from '../../model/run';
import type { RunStartView } from '../../state/trainingSlice';
import { progressText } from './progressText';

export function StartProgress({
  status,
  progress,
  live,
}: {
  status: string;
  progress: RunStartView | undefined;
  live: RunLive;
}) {
  const fraction = live.totalSteps > 0 ? live.step / live.totalSteps : 0;
  return (
    <div className="start-progress">
      <span role="status" data-testid="run-progress">
        {progressText(status, progress, live)}
      </span>
      <progress max={1} value={fraction} aria-label="Steps done" data-testid="run-progress-bar" />
    </div>
  );
}
