import type { StartPlan } from '../../state/startActions';
import { formatSeconds } from '../format';

/**
 * What the chosen network, batch and dataset cost on this device, beside Start: seconds per
 * step, time per epoch and to the first chart point (model/trainingCost.ts).
 */
export function StartEstimate({
  plan,
  waiting,
}: {
  plan: StartPlan | null;
  waiting: string | null;
}) {
  if (!plan) {
    return (
      <p className="start-estimate" data-testid="start-estimate" aria-live="polite">
        {waiting}
      </p>
    );
  }
  const e = plan.estimate;
  return (
    <p className="start-estimate" data-testid="start-estimate" aria-live="polite">
      <span data-testid="estimate-step" data-seconds={e.secondsPerStep}>
        ≈ {formatSeconds(e.secondsPerStep)}/step
      </span>
      {' · '}
      <span data-testid="estimate-epoch">
        {e.stepsPerEpoch} steps/epoch ≈ {formatSeconds(e.secondsPerEpoch)}
      </span>
      {' · '}
      <span
        data-testid="estimate-first-point"
        data-seconds={e.secondsToFirstPoint}
        data-second-point-seconds={e.secondsToSecondPoint}
      >
        first chart point in ≈ {formatSeconds(e.secondsToFirstPoint)}
      </span>
    </p>
  );
}
