import { useId, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../../state/store';
import {
  deleteRun,
  pauseRun,
  resumeRun,
  selectRun,
  setRaceMode,
  startRun,
  stopRun,
} from '../../state/trainingActions';
import type { TrainingRunView } from '../../state/trainingSlice';
import { toRunConfig } from '../../model/hyperparameters';
import { formatCount, formatDuration, formatPercent, statusLabel } from '../format';
import { analysisOf } from '../../model/analysisCache';
import { paramSpread, raceSpecs } from '../../model/race';
import { bestTestError, runColor } from './runSeries';

function RunRow({ run, readOnly }: { run: TrainingRunView; readOnly: boolean }) {
  const [pending, setBusy] = useState(false);
  const busy = pending || readOnly;
  const selected = useAppStore((s) => s.training.selectedRunId === run.id);
  const color = useAppStore((s) => runColor(s.training.order, run.id));
  const a = analysisOf(run.config.spec);
  const { live, status } = run;
  const fraction = live.totalSteps > 0 ? live.step / live.totalSteps : 0;
  const best = bestTestError(run.history);
  const act = async (f: () => Promise<unknown>) => {
    setBusy(true);
    await f();
    setBusy(false);
  };
  const active = status === 'running' || status === 'queued' || status === 'pausing';
  const over = status === 'stopped' || status === 'finished' || status === 'failed';
  const name = run.config.name;
  const c = run.config;
  return (
    <tr
      className={selected ? 'run-row run-row--selected' : 'run-row'}
      data-testid="run-row"
      data-status={status}
    >
      <th scope="row">
        <button
          type="button"
          className="linklike"
          aria-pressed={selected}
          onClick={() => selectRun(run.id)}
        >
          <span
            className="swatch"
            style={{ background: color }}
            aria-hidden="true"
            data-testid="run-swatch"
            data-color={color}
          />{' '}
          {name}
        </button>
        <div className="muted small-text">
          {formatCount(a.params)} params · depth {a.actualDepth} · paths{' '}
          {a.paths.withoutProjections.mean.toFixed(1)}
        </div>
        <div className="muted small-text">
          {c.dataset} · {c.epochs} ep · batch {c.batchSize} · lr {c.schedule.base} · wd{' '}
          {c.sgd.weightDecay}
          {c.sgd.decay === 'all' ? ' (all)' : ' (weights, gamma)'} · seed {c.seed}
          {c.augment ? ` · aug${c.padFill === 'mean' ? ' (mean fill)' : ''}` : ''}
          {c.bnBatch ? ` · BN over ${c.bnBatch}` : ''}
        </div>
        {run.stepNote && (
          <div className="muted small-text" data-testid="run-step-note">
            {run.stepNote}
          </div>
        )}
      </th>
      <td>
        <span className={`status status--${status}`}>{statusLabel(status)}</span>
        {run.message && <div className="small-text">{run.message}</div>}
      </td>
      <td>
        <progress max={1} value={fraction} aria-label={`Progress of ${name}`} />
        <div className="small-text">
          {live.step}/{live.totalSteps} steps ·{' '}
          {active ? `${formatDuration(live.secondsLeft)} left` : '—'}
        </div>
      </td>
      <td data-testid="run-best-error">{formatPercent(best, 2)}</td>
      <td className="run-actions">
        {status === 'paused' ? (
          <button
            type="button"
            className="small"
            disabled={busy}
            onClick={() => void act(() => resumeRun(run.id))}
            aria-label={`Resume ${name}`}
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            className="small"
            disabled={busy || !active || status === 'pausing'}
            onClick={() => void act(() => pauseRun(run.id))}
            aria-label={`Pause ${name}`}
          >
            {status === 'pausing' ? 'Pausing…' : 'Pause'}
          </button>
        )}
        <button
          type="button"
          className="small ghost"
          disabled={busy || over}
          onClick={() => void act(() => stopRun(run.id))}
          aria-label={`Stop ${name}`}
        >
          Stop
        </button>
        <button
          type="button"
          className="small ghost danger"
          disabled={busy || active}
          onClick={() => {
            // Deleting forgets the run and its checkpoint: ask first.
            if (
              window.confirm(`Delete the run "${name}" and its checkpoint? This cannot be undone.`)
            ) {
              void act(() => deleteRun(run.id));
            }
          }}
          aria-label={`Delete ${name}`}
          title={active ? 'Pause or stop the run before deleting it' : undefined}
        >
          Delete
        </button>
      </td>
    </tr>
  );
}

/** One click: ResNet, DILNet and DMRNet of about equal parameter count, on the same data. */
function RaceControls({ dataset }: { dataset: string }) {
  const ready = useAppStore((s) => s.worker.status === 'ready');
  const [L, setL] = useState(6);
  const [width, setWidth] = useState(4);
  const [busy, setBusy] = useState(false);
  const ids = { L: useId(), w: useId() };
  const entries = useMemo(() => raceSpecs(L, width), [L, width]);
  const race = async () => {
    setBusy(true);
    const hyper = useAppStore.getState().editor.hyper;
    await setRaceMode(true);
    for (const e of entries) {
      await startRun(toRunConfig(e.spec, hyper, dataset, e.spec.name));
    }
    setBusy(false);
  };
  return (
    <div className="race">
      <div className="controls-row">
        <div className="field">
          <label htmlFor={ids.L}>Race L</label>
          <select id={ids.L} value={L} onChange={(e) => setL(Number(e.target.value))}>
            {[6, 12, 18, 24, 30, 54, 96].map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.w}>Race base width</label>
          <select id={ids.w} value={width} onChange={(e) => setWidth(Number(e.target.value))}>
            {[4, 8, 16].map((v) => (
              <option key={v} value={v}>
                {v}
                {v === 16 ? ' (paper)' : ''}
              </option>
            ))}
          </select>
        </div>
        <button type="button" disabled={!ready || busy} onClick={() => void race()}>
          {busy ? 'Starting the race…' : 'Race ResNet, DILNet, DMRNet'}
        </button>
      </div>
      <p className="hint" data-testid="race-preview">
        {entries.map((e) => `${e.spec.name}: ${formatCount(e.params)}`).join(' · ')} (within{' '}
        {(paramSpread(entries) * 100).toFixed(0)}%); same data, hyperparameters and seed; race mode
        interleaves their steps.
      </p>
    </div>
  );
}

/** Every run: summary, status, progress with time left, best test error and its controls. */
export function RunsPanel() {
  const { order, runs, error, dataset, readOnly } = useAppStore(
    useShallow((s) => ({
      order: s.training.order,
      runs: s.training.runs,
      error: s.training.error,
      readOnly: s.training.readOnly,
      dataset: s.training.dataset,
    })),
  );
  return (
    <div className="runs-panel">
      <RaceControls dataset={dataset} />
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {order.length === 0 ? (
        <p className="hint">
          No runs yet: start one in the training panel, or race the three networks.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="runs-table" aria-label="Runs">
            <thead>
              <tr>
                <th scope="col">Network, data, hyperparameters</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Best test error</th>
                <th scope="col">Controls</th>
              </tr>
            </thead>
            <tbody>
              {order.map((id) => {
                const run = runs[id];
                return run ? <RunRow key={id} run={run} readOnly={readOnly !== null} /> : null;
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
