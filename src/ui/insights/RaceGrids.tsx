import { useAppStore } from '../../state/store';
import { insightPasses } from './insightView';
import { PredictionGrid } from './PredictionGrid';
import { useRunInsight } from './useRunInsight';
import './insights.css';

/** Runs shown side by side: a race's three networks (and one more). */
const SHOWN = 4;

/** The runs that have a prediction grid, newest last, as one string (stable between runs). */
function useRunsWithGrid(): string[] {
  const text = useAppStore((s) =>
    s.training.order.filter((id) => s.training.runs[id]?.history.grid).join('\n'),
  );
  return text === '' ? [] : text.split('\n');
}

function RunGrid({ runId }: { runId: string }) {
  const { name, test, grid } = useRunInsight(runId);
  const pass = insightPasses(test).at(-1);
  if (!grid || !pass) return null;
  return (
    <div data-testid="race-grid">
      <h4>
        {name} · step {pass.step} · test error {(pass.error * 100).toFixed(1)}%
      </h4>
      <PredictionGrid
        grid={grid}
        predictions={pass.insight.gridPredictions}
        label={`${name ?? runId}'s predictions`}
        compact
      />
    </div>
  );
}

/**
 * The classroom slide of a race: each run's predictions on the same test images at its latest
 * test pass, wrong ones marked, live while the race trains.
 */
export function RaceGrids() {
  const ids = useRunsWithGrid().slice(-SHOWN);
  if (ids.length === 0) {
    return (
      <p className="hint">
        No test pass yet. Start a race (Runs: “Race ResNet, DILNet, DMRNet”), then come back: each
        network’s predictions on the same test images show here after its first test pass.
      </p>
    );
  }
  return (
    <div className="race-grids">
      {ids.map((id) => (
        <RunGrid key={id} runId={id} />
      ))}
    </div>
  );
}
