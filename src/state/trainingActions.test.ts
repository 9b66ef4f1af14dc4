import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../protocol/training';
import { applyMetrics, applyRunList, applyRunUpdate } from './trainingActions';
import { initialTrainingState } from './trainingSlice';
import { runSummary } from './testing/runSummary';

const summary = (id: string, status: RunSummary['status'] = 'running'): RunSummary =>
  runSummary(id, { name: id } as RunSummary['config'], status);

describe('training slice reducers', () => {
  it('adds runs in order, keeps history on updates and replaces it when given', () => {
    let t = applyRunUpdate(initialTrainingState, summary('a'));
    t = applyRunUpdate(t, summary('b'));
    expect(t.order).toEqual(['a', 'b']);
    expect(t.selectedRunId).toBe('a');
    const point = { step: 5, epoch: 0.5, loss: 2, error: 0.8, lr: 0.1, imagesPerSecond: 9 };
    t = applyMetrics(t, [
      { runId: 'a', live: { ...summary('a').live, step: 5 }, train: [point], test: [] },
      { runId: 'gone', live: summary('a').live, train: [point], test: [] },
    ]);
    expect(t.runs.a!.history.train).toEqual([point]);
    expect(t.runs.a!.live.step).toBe(5);
    t = applyRunUpdate(t, summary('a', 'paused'));
    expect(t.runs.a!.status).toBe('paused');
    expect(t.runs.a!.history.train).toEqual([point]);
    t = applyRunUpdate(t, summary('a'), { train: [], test: [] });
    expect(t.runs.a!.history.train).toEqual([]);
  });

  it('replaces everything with the stored runs list', () => {
    const t = applyRunList(applyRunUpdate(initialTrainingState, summary('old')), {
      race: true,
      readOnly: null,
      damaged: [],
      runs: [{ run: summary('x', 'paused'), history: { train: [], test: [] } }],
    });
    expect(t.order).toEqual(['x']);
    expect(t.race).toBe(true);
    expect(t.listed).toBe(true);
    expect(t.selectedRunId).toBe('x');
  });
});
