import { useEffect, useRef } from 'react';
import type { QuickStartChoice } from '../../model/quickStart';
import type { StartPlan } from '../../state/startActions';
import { formatSeconds } from '../format';

/**
 * Asked when the first chart point is more than half a minute away: the estimate, a run that
 * shows learning within a minute on this device (first, focused), and "start as configured".
 */
export function StartDialog({
  plan,
  onChoose,
  onConfigured,
  onCancel,
}: {
  plan: StartPlan;
  onChoose: (choice: QuickStartChoice) => void;
  onConfigured: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    first.current?.focus();
    return () => dialog.close();
  }, []);
  const e = plan.estimate;
  const offers = [plan.quick, plan.keep].filter((c): c is QuickStartChoice => c !== null);
  return (
    <dialog
      ref={ref}
      className="start-dialog"
      aria-labelledby="start-dialog-title"
      data-testid="start-dialog"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id="start-dialog-title">
        The first chart point is {formatSeconds(e.secondsToFirstPoint)} away
      </h2>
      <p>
        On this device, {plan.spec.name} at batch {plan.hyper.batchSize} takes about{' '}
        {formatSeconds(e.secondsPerStep)} a step; {e.totalSteps} steps take about{' '}
        {formatSeconds(e.totalSeconds)}.
      </p>
      <ul className="start-offers">
        {offers.map((c, i) => (
          <li key={c.label}>
            <button
              type="button"
              ref={i === 0 ? first : undefined}
              data-testid={i === 0 ? 'start-quick' : 'start-keep'}
              onClick={() => onChoose(c)}
            >
              {i === 0 ? 'Show learning now: ' : ''}
              {c.label}
            </button>
            <span className="hint">
              {' '}
              first point in ≈ {formatSeconds(c.estimate.secondsToFirstPoint)}, ≈{' '}
              {formatSeconds(c.estimate.secondsPerStep)}/step, whole run ≈{' '}
              {formatSeconds(c.estimate.totalSeconds)}. {c.reason}
            </span>
          </li>
        ))}
        <li>
          <button type="button" data-testid="start-configured" onClick={onConfigured}>
            Start as configured
          </button>
          <span className="hint">
            {' '}
            {plan.spec.name}, batch {plan.hyper.batchSize}
          </span>
        </li>
      </ul>
      <p>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </p>
    </dialog>
  );
}
