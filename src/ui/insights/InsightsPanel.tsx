import { useId, useState } from 'react';
import { classDifferences, offDiagonal, totalCount } from '../../model/insights';
import type { InsightGrid } from '../../model/run';
import { useAppStore } from '../../state/store';
import { selectRun } from '../../state/trainingActions';
import { fileNameFor } from '../charts/csv';
import { downloadBlob } from '../charts/exportChart';
import { formatPercent } from '../format';
import { ConfusionHeatmap } from './ConfusionHeatmap';
import { insightPngBlob } from './insightPng';
import {
  confusionCsv,
  insightPasses,
  passAtStep,
  perClassErrorCsv,
  sameImages,
  type InsightPass,
} from './insightView';
import { PerClassError } from './PerClassError';
import { PredictionGrid } from './PredictionGrid';
import { useRunChoices, useRunInsight } from './useRunInsight';
import './insights.css';

/** Classes listed where two runs differ most. */
const DIFFERENCES_SHOWN = 5;

function downloadText(text: string, fileName: string): void {
  downloadBlob(new Blob([text], { type: 'text/csv' }), fileName);
}

/**
 * What the network learned, per class and per image (issue #18): at each test pass the
 * confusion matrix, the per-class error and the predictions on a fixed grid of test images;
 * a step slider replays them, a second run shows beside the first with the classes where they
 * differ most; CSV and PNG downloads. Self-contained: place it anywhere (a tab, a drawer).
 */
export function InsightsPanel() {
  const selected = useAppStore((s) => s.training.selectedRunId);
  const choices = useRunChoices();
  const [compareId, setCompareId] = useState<string>('');
  const [chosenIndex, setChosenIndex] = useState<number | null>(null);
  const ids = { run: useId(), compare: useId(), step: useId() };
  const a = useRunInsight(selected);
  const b = useRunInsight(compareId && compareId !== selected ? compareId : null);

  const passes = insightPasses(a.test);
  const last = passes.length - 1;
  // Null follows the newest pass as the run trains; a slider move pins a pass.
  const index = chosenIndex === null || chosenIndex > last ? last : chosenIndex;
  const pass: InsightPass | null = passes[index] ?? null;
  const other = b.name && pass ? passAtStep(insightPasses(b.test), pass.step) : null;
  const comparable = other !== null && sameImages(a.grid, b.grid);

  return (
    <div className="insights-panel" data-testid="insights-panel">
      <div className="controls-row">
        <div className="field">
          <label htmlFor={ids.run}>Run</label>
          <select
            id={ids.run}
            value={selected ?? ''}
            onChange={(e) => {
              setChosenIndex(null);
              selectRun(e.target.value);
            }}
          >
            {selected === null && <option value="">(no run)</option>}
            {choices.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.compare}>Compare with</label>
          <select id={ids.compare} value={compareId} onChange={(e) => setCompareId(e.target.value)}>
            <option value="">(none)</option>
            {choices
              .filter((c) => c.id !== selected)
              .map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
          </select>
        </div>
      </div>
      {!pass || !a.grid ? (
        <p className="hint" data-testid="insights-empty">
          {selected === null
            ? 'Start a run: at each test pass its confusion matrix, per-class error and predictions on test images show here.'
            : 'No test pass yet: the matrix and the predictions show after the first one (each epoch end, or every N steps).'}
        </p>
      ) : (
        <PassView
          name={a.name ?? ''}
          pass={pass}
          grid={a.grid}
          passes={passes}
          index={index}
          stepId={ids.step}
          onIndex={(i) => setChosenIndex(i === last ? null : i)}
          other={comparable && other ? { name: b.name ?? '', pass: other } : null}
          otherProblem={
            b.name && !comparable
              ? other === null
                ? `${b.name} has no test pass with per-class results yet.`
                : `${b.name} was tested on other images (another dataset or test limit): its grid does not compare.`
              : null
          }
        />
      )}
    </div>
  );
}

function PassView({
  name,
  pass,
  grid,
  passes,
  index,
  stepId,
  onIndex,
  other,
  otherProblem,
}: {
  name: string;
  pass: InsightPass;
  grid: InsightGrid;
  passes: InsightPass[];
  index: number;
  stepId: string;
  onIndex: (index: number) => void;
  other: { name: string; pass: InsightPass } | null;
  otherProblem: string | null;
}) {
  const names = grid.classNames;
  const n = names.length;
  const { confusion, gridPredictions } = pass.insight;
  const images = totalCount(confusion);
  const wrong = offDiagonal(confusion, n);
  const [busy, setBusy] = useState(false);
  const base = `${name} step ${pass.step}`;
  const png = async () => {
    setBusy(true);
    try {
      const blob = await insightPngBlob({
        title: `${name} · step ${pass.step} · test error ${formatPercent(pass.error)}`,
        confusion,
        grid,
        predictions: gridPredictions,
      });
      if (blob) downloadBlob(blob, fileNameFor(`${base} insights`, 'png'));
    } finally {
      setBusy(false);
    }
  };
  const differences = other
    ? classDifferences(confusion, other.pass.insight.confusion, n).slice(0, DIFFERENCES_SHOWN)
    : [];
  return (
    <>
      <div className="field field--slider insight-step">
        <label htmlFor={stepId}>
          Test pass{' '}
          <output htmlFor={stepId} data-testid="insight-step">
            {index + 1} of {passes.length}: step {pass.step} (epoch {pass.epoch.toFixed(2)})
          </output>
        </label>
        <input
          id={stepId}
          type="range"
          min={0}
          max={Math.max(0, passes.length - 1)}
          step={1}
          value={index}
          disabled={passes.length < 2}
          onChange={(e) => onIndex(Number(e.target.value))}
        />
      </div>
      <p
        className="insight-summary"
        data-testid="insight-summary"
        data-step={pass.step}
        data-error={pass.error}
        data-images={images}
        data-wrong={wrong}
      >
        {name}: test error {formatPercent(pass.error)}, {wrong} of {images} test images
        misclassified (off the diagonal).
      </p>
      <div className="controls-row insight-exports">
        <button
          type="button"
          className="small ghost"
          onClick={() =>
            downloadText(confusionCsv(confusion, names), fileNameFor(`${base} confusion`, 'csv'))
          }
        >
          Matrix CSV
        </button>
        <button
          type="button"
          className="small ghost"
          onClick={() =>
            downloadText(
              perClassErrorCsv(confusion, names),
              fileNameFor(`${base} per-class error`, 'csv'),
            )
          }
        >
          Per-class error CSV
        </button>
        <button type="button" className="small ghost" disabled={busy} onClick={() => void png()}>
          PNG
        </button>
      </div>
      {otherProblem && <p className="hint">{otherProblem}</p>}
      <div className={other ? 'insight-columns insight-columns--two' : 'insight-columns'}>
        <section aria-label={`${name} at step ${pass.step}`}>
          <h3>
            {name} · step {pass.step}
          </h3>
          <ConfusionHeatmap
            confusion={confusion}
            classNames={names}
            label={`Confusion matrix of ${name} at step ${pass.step}`}
          />
          <PredictionGrid
            grid={grid}
            predictions={gridPredictions}
            label={`${name}'s predictions`}
          />
        </section>
        {other && (
          <section aria-label={`${other.name} at step ${other.pass.step}`}>
            <h3>
              {other.name} · step {other.pass.step}
            </h3>
            <ConfusionHeatmap
              confusion={other.pass.insight.confusion}
              classNames={names}
              label={`Confusion matrix of ${other.name} at step ${other.pass.step}`}
            />
            <PredictionGrid
              grid={grid}
              predictions={other.pass.insight.gridPredictions}
              label={`${other.name}'s predictions`}
            />
          </section>
        )}
      </div>
      {other && (
        <div className="insight-differences" data-testid="insight-differences">
          <h3>Classes where they differ most</h3>
          <ol>
            {differences.map((d) => (
              <li key={d.classIndex}>
                <b>{names[d.classIndex]}</b>: {name} {formatPercent(d.a)}, {other.name}{' '}
                {formatPercent(d.b)} ({d.delta > 0 ? '+' : ''}
                {(d.delta * 100).toFixed(1)} points)
              </li>
            ))}
          </ol>
        </div>
      )}
      <PerClassError
        runs={[
          { label: name, confusion },
          ...(other ? [{ label: other.name, confusion: other.pass.insight.confusion }] : []),
        ]}
        classNames={names}
      />
    </>
  );
}
