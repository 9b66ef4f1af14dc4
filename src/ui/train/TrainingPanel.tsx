import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { QuickStartChoice } from '../../model/quickStart';
import {
  chooseDataset,
  startAsConfigured,
  startChoice,
  startUnestimated,
  type StartPlan,
} from '../../state/startActions';
import { useAppStore } from '../../state/store';
import {
  connectTraining,
  dismissTrainingMessages,
  installTrainingTestHooks,
  pauseRun,
  resumeRun,
  selectRun,
  setLearningRate,
  setRaceMode,
  stepRun,
  stopRun,
} from '../../state/trainingActions';
import type { TrainingRunView } from '../../state/trainingSlice';
import { backendDisplayName } from '../shell/backendLabel';
import { formatLoss, formatLr, formatPercent, parseLearningRate, statusLabel } from '../format';
import { StartDialog } from './StartDialog';
import { StartEstimate } from './StartEstimate';
import { StartProgress } from './StartProgress';
import { useStartPlan } from './useStartPlan';

/** The imported datasets to train on; the chosen one stays listed even before it is read. */
function DatasetPicker() {
  const datasets = useAppStore((s) => s.data.datasets);
  const dataset = useAppStore((s) => s.training.dataset);
  const names = datasets.map((d) => d.name);
  if (!names.includes(dataset)) names.unshift(dataset);
  return (
    <label>
      Dataset{' '}
      <select
        value={dataset}
        onChange={(e) => chooseDataset(e.target.value)}
        data-testid="training-dataset"
      >
        {names.map((name) => {
          const d = datasets.find((m) => m.name === name);
          return (
            <option key={name} value={name}>
              {d
                ? `${name} (${(d.splits.train?.count ?? 0).toLocaleString('en-US')} train, ${(d.splits.test?.count ?? 0).toLocaleString('en-US')} test)`
                : `${name} (not imported)`}
            </option>
          );
        })}
      </select>
    </label>
  );
}

/**
 * The compact training panel: start a run of the editor's network with its hyperparameters
 * (with the estimate of what it costs here, and a dialog when the first chart point is far),
 * control it (pause, resume, stop, one step, learning rate on the fly) and read its live
 * numbers. Charts and the runs table build on the same slice elsewhere.
 */
export function TrainingPanel() {
  const workerReady = useAppStore((s) => s.worker.status === 'ready');
  const { order, runs, race, error, notice, selectedRunId, readOnly, damaged } = useAppStore(
    useShallow((s) => s.training),
  );
  const { plan, waiting } = useStartPlan();
  const [starting, setStarting] = useState(false);
  const [asking, setAsking] = useState<StartPlan | null>(null);

  useEffect(() => {
    if (!workerReady) return;
    installTrainingTestHooks(window.location.search);
    void connectTraining();
  }, [workerReady]);

  const run = async (go: () => Promise<unknown>) => {
    setAsking(null);
    setStarting(true);
    await go();
    setStarting(false);
  };
  const measuring = useAppStore((s) => s.worker.cost.state === 'measuring');
  const start = () => {
    if (plan?.quick) setAsking(plan);
    else if (plan) void run(() => startAsConfigured(plan));
    // No estimate (the measurement failed, or the dataset is missing): the worker says why.
    else void run(() => startUnestimated());
  };
  const choose = (p: StartPlan, choice: QuickStartChoice) =>
    void run(() =>
      startChoice(p, choice, choice.spec === p.spec ? useAppStore.getState().editor.preset : null),
    );

  const selected = selectedRunId ? runs[selectedRunId] : undefined;
  return (
    <section className="panel training-panel" aria-labelledby="training-heading">
      <h2 id="training-heading">Training</h2>
      <div className="training-start">
        <button
          type="button"
          className="start-button"
          onClick={start}
          disabled={!workerReady || starting || measuring || readOnly !== null}
          data-testid="start-run"
        >
          {starting ? 'Starting…' : 'Start run'}
        </button>
        <DatasetPicker />
        <label>
          <input
            type="checkbox"
            checked={race}
            onChange={(e) => void setRaceMode(e.target.checked)}
            disabled={!workerReady || readOnly !== null}
          />{' '}
          Race mode
        </label>
      </div>
      <StartEstimate
        plan={plan}
        waiting={workerReady ? waiting : 'Starting the training worker…'}
      />
      {asking && (
        <StartDialog
          plan={asking}
          onChoose={(c) => choose(asking, c)}
          onConfigured={() => void run(() => startAsConfigured(asking))}
          onCancel={() => setAsking(null)}
        />
      )}
      {error && (
        <p role="alert" className="training-error" data-testid="training-error">
          {error}{' '}
          <button type="button" onClick={dismissTrainingMessages}>
            Dismiss
          </button>
        </p>
      )}
      {readOnly && (
        <p role="status" className="training-notice" data-testid="training-readonly">
          {readOnly}
        </p>
      )}
      {notice && notice !== readOnly && (
        <p role="status" className="training-notice" data-testid="training-notice">
          {notice}
        </p>
      )}
      {damaged.length > 0 && (
        <p role="alert" className="training-error" data-testid="training-damaged">
          {damaged.join(' ')} They are kept as they are.
        </p>
      )}
      {order.length > 0 && (
        <ul className="training-runs" aria-label="Runs">
          {order.map((id) => {
            const r = runs[id]!;
            return (
              <li key={id}>
                <button
                  type="button"
                  data-testid={`select-run-${id}`}
                  aria-pressed={id === selectedRunId}
                  onClick={() => selectRun(id)}
                >
                  {r.config.name} · seed {r.config.seed}
                </button>{' '}
                <span data-testid={`run-status-${id}`}>{statusLabel(r.status)}</span>
              </li>
            );
          })}
        </ul>
      )}
      {selected && <RunControls run={selected} readOnly={readOnly !== null} />}
    </section>
  );
}

function RunControls({ run, readOnly }: { run: TrainingRunView; readOnly: boolean }) {
  const [lrText, setLrText] = useState('');
  const [lrProblem, setLrProblem] = useState<string | null>(null);
  const [pending, setBusy] = useState(false);
  const busy = pending || readOnly;
  const act = async (f: () => Promise<unknown>) => {
    setBusy(true);
    await f();
    setBusy(false);
  };
  const applyLr = () => {
    const parsed = parseLearningRate(lrText);
    if (!parsed.ok) {
      setLrProblem(parsed.message);
      return;
    }
    setLrProblem(null);
    void act(() => setLearningRate(run.id, parsed.lr));
  };
  const live = run.live;
  const progress = useAppStore((s) => s.training.progress[run.id]);
  const active = run.status === 'running' || run.status === 'queued';
  const done = run.status === 'stopped' || run.status === 'finished' || run.status === 'failed';
  return (
    <div
      className="training-run"
      data-testid="training-run"
      data-run-id={run.id}
      data-report-every={run.config.reportEverySteps ?? 5 /* runs stored before the field */}
      data-train-points={run.history.train.length}
    >
      <p>
        <strong>{run.config.name}</strong> on {run.config.dataset}:{' '}
        <span data-testid="run-status">{statusLabel(run.status)}</span>
        {run.backend && <> · {backendDisplayName(run.backend)}</>}
      </p>
      {run.message && (
        <p role="alert" className="training-error" data-testid="run-message">
          {run.message}
        </p>
      )}
      <StartProgress status={run.status} progress={progress} live={live} />
      <div className="training-buttons">
        <button
          type="button"
          disabled={busy || !active}
          onClick={() => void act(() => pauseRun(run.id))}
        >
          {run.status === 'pausing' ? 'Pausing…' : 'Pause'}
        </button>
        <button
          type="button"
          disabled={busy || run.status !== 'paused'}
          onClick={() => void act(() => resumeRun(run.id))}
        >
          Resume
        </button>
        <button
          type="button"
          disabled={busy || run.status !== 'paused'}
          onClick={() => void act(() => stepRun(run.id))}
        >
          Step
        </button>
        <button
          type="button"
          disabled={busy || done}
          onClick={() => void act(() => stopRun(run.id))}
        >
          Stop
        </button>
        <label>
          Learning rate{' '}
          <input
            value={lrText}
            placeholder={formatLr(live.lr)}
            onChange={(e) => setLrText(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && applyLr()}
            size={8}
            disabled={done || readOnly}
          />
        </label>
        <button type="button" disabled={busy || done} onClick={applyLr}>
          Set rate
        </button>
      </div>
      {lrProblem && (
        <p role="alert" className="training-error">
          {lrProblem}
        </p>
      )}
      <dl className="facts training-live">
        <dt>Step</dt>
        <dd data-testid="run-step">
          {live.step} / {live.totalSteps}
        </dd>
        <dt>Epoch</dt>
        <dd>{live.epoch.toFixed(2)}</dd>
        <dt>Learning rate</dt>
        <dd data-testid="run-lr">{formatLr(live.lr)}</dd>
        <dt>Images/s</dt>
        <dd>{live.imagesPerSecond.toFixed(1)}</dd>
        <dt>Train loss</dt>
        <dd data-testid="run-train-loss">{formatLoss(live.trainLoss)}</dd>
        <dt>Train error</dt>
        <dd>{formatPercent(live.trainError)}</dd>
        <dt>Test error</dt>
        <dd data-testid="run-test-error">{formatPercent(live.testError)}</dd>
        <dt>Checkpoint</dt>
        <dd data-testid="run-checkpoint">
          {run.checkpointStep === null ? 'none yet' : `step ${run.checkpointStep}`}
        </dd>
      </dl>
    </div>
  );
}
