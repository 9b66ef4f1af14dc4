import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { SAMPLE_DATASET_NAME } from '../../model/datasetSources';
import { toRunConfig } from '../../model/hyperparameters';
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
  startRun,
  stepRun,
  stopRun,
} from '../../state/trainingActions';
import { workerMemoryText } from '../../state/workerActions';
import type { TrainingRunView } from '../../state/trainingSlice';
import { backendDisplayName } from '../shell/backendLabel';
import {
  formatDuration,
  formatLoss,
  formatLr,
  formatPercent,
  parseLearningRate,
  statusLabel,
} from '../format';

/** The dataset a new run trains on unless the person names another: the shipped sample. */
export const DEFAULT_TRAINING_DATASET = SAMPLE_DATASET_NAME;

/**
 * The compact training panel: start a run of the editor's network with its hyperparameters,
 * control it (pause, resume, stop, one step, learning rate on the fly) and read its live
 * numbers. Charts and the runs table build on the same slice elsewhere.
 */
export function TrainingPanel() {
  const workerReady = useAppStore((s) => s.worker.status === 'ready');
  const { order, runs, race, error, notice, selectedRunId, readOnly, damaged } = useAppStore(
    useShallow((s) => s.training),
  );
  const [dataset, setDataset] = useState(DEFAULT_TRAINING_DATASET);
  const [starting, setStarting] = useState(false);

  useEffect(() => {
    if (!workerReady) return;
    installTrainingTestHooks(window.location.search);
    void connectTraining();
  }, [workerReady]);

  const start = async () => {
    const { spec, hyper } = useAppStore.getState().editor;
    setStarting(true);
    await startRun(toRunConfig(spec, hyper, dataset.trim(), spec.name));
    setStarting(false);
  };

  const selected = selectedRunId ? runs[selectedRunId] : undefined;
  return (
    <section className="panel training-panel" aria-labelledby="training-heading">
      <h2 id="training-heading">Training</h2>
      <div className="training-start">
        <label>
          Dataset <input value={dataset} onChange={(e) => setDataset(e.target.value)} size={16} />
        </label>
        <button
          type="button"
          onClick={() => void start()}
          disabled={!workerReady || starting || readOnly !== null}
        >
          {starting ? 'Starting…' : 'Start run'}
        </button>
        <label>
          <input
            type="checkbox"
            checked={race}
            onChange={(e) => void setRaceMode(e.target.checked)}
            disabled={!workerReady || readOnly !== null}
          />{' '}
          Race mode (running runs take turns step by step)
        </label>
      </div>
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
            const run = runs[id]!;
            return (
              <li key={id}>
                <button
                  type="button"
                  data-testid={`select-run-${id}`}
                  aria-pressed={id === selectedRunId}
                  onClick={() => selectRun(id)}
                >
                  {run.config.name} · seed {run.config.seed}
                </button>{' '}
                <span data-testid={`run-status-${id}`}>{statusLabel(run.status)}</span>
              </li>
            );
          })}
        </ul>
      )}
      {selected && <RunControls run={selected} readOnly={readOnly !== null} />}
      <MemoryCheck disabled={!workerReady} />
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
  const active = run.status === 'running' || run.status === 'queued';
  const done = run.status === 'stopped' || run.status === 'finished' || run.status === 'failed';
  return (
    <div className="training-run" data-testid="training-run" data-run-id={run.id}>
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
        <dt>Time left</dt>
        <dd>{active ? formatDuration(live.secondsLeft) : '–'}</dd>
        <dt>Checkpoint</dt>
        <dd data-testid="run-checkpoint">
          {run.checkpointStep === null ? 'none yet' : `step ${run.checkpointStep}`}
        </dd>
      </dl>
    </div>
  );
}

/** tf.memory() in the worker: the tensor count must stay flat while training. */
function MemoryCheck({ disabled }: { disabled: boolean }) {
  const [text, setText] = useState('');
  const check = async () => setText(await workerMemoryText());
  return (
    <p className="training-memory">
      <button type="button" disabled={disabled} onClick={() => void check()}>
        Count tensors
      </button>{' '}
      <span data-testid="tensor-count">{text}</span>
    </p>
  );
}
