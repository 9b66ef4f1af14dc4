/** Store selectors of the insights views: each value selected alone, so they redraw per test pass. */
import type { TestPoint } from '../../model/run';
import { useAppStore } from '../../state/store';

const NO_TESTS: TestPoint[] = [];
/** One run's insight inputs, each selected on its own so the panel redraws per test pass only. */
export function useRunInsight(runId: string | null) {
  const name = useAppStore((s) => (runId ? (s.training.runs[runId]?.config.name ?? null) : null));
  const test = useAppStore((s) => (runId ? s.training.runs[runId]?.history.test : undefined));
  const grid = useAppStore((s) => (runId ? s.training.runs[runId]?.history.grid : undefined));
  return { name, test: test ?? NO_TESTS, grid };
}

/** "id\tname" lines of every run, as one string (stable while no run comes or goes). */
export function useRunChoices(): { id: string; name: string }[] {
  const text = useAppStore((s) =>
    s.training.order.map((id) => `${id}\t${s.training.runs[id]?.config.name ?? id}`).join('\n'),
  );
  return text === ''
    ? []
    : text.split('\n').map((line) => {
        const [id, name] = line.split('\t') as [string, string];
        return { id, name };
      });
}
