/**
 * A PyTorch run's metrics (src/export/metrics.ts) as a finished run of the training slice, so
 * the charts overlay it on the browser runs. It lives only in the page (not in IndexedDB) and
 * its id starts with IMPORTED_RUN_PREFIX: the worker knows nothing of it.
 */
import { IMPORTED_RUN_PREFIX } from '../model/run';
import type { ImportedMetrics } from './metrics';
import type { NetworkSpec } from '../model/spec';
import type { RunSummary } from '../model/run';

export { IMPORTED_RUN_PREFIX };

export function importedRunSummary(
  m: ImportedMetrics,
  fallbackSpec: NetworkSpec,
  id: string,
): RunSummary {
  const spec = m.spec ?? fallbackSpec;
  const last = m.history.train.at(-1);
  const lastTest = m.history.test.at(-1);
  const dataset = m.facts.dataset ?? 'cifar10';
  const where = [
    m.facts.device,
    m.facts.worldSize !== null
      ? `${m.facts.worldSize} process${m.facts.worldSize === 1 ? '' : 'es'}`
      : null,
    m.facts.amp ? 'mixed precision' : null,
  ].filter((x) => x !== null);
  return {
    id,
    config: {
      name: `${m.name} (PyTorch)`,
      spec,
      dataset,
      seed: 0,
      epochs: m.facts.epochs ?? Math.ceil(last?.epoch ?? 1),
      batchSize: m.facts.batchSize ?? 64,
      schedule: {
        base: m.history.train[0]?.lr ?? 0.1,
        factor: 0.1,
        milestones: [0.5, 0.75, 0.875],
      },
      sgd: {
        momentum: 0.9,
        weightDecay: 1e-4,
        nesterov: true,
        ...(m.facts.decay ? { decay: m.facts.decay } : {}),
      },
      augment: dataset !== 'svhn',
      ...(m.facts.padFill ? { padFill: m.facts.padFill } : {}),
      ...(m.facts.bnBatch !== null ? { bnBatch: m.facts.bnBatch } : {}),
      evalEverySteps: 0,
      testLimit: 0,
      trainLimit: 0,
      checkpointEveryMinutes: 0,
    },
    status: 'finished',
    message:
      `Imported from PyTorch train.py${where.length ? ` (${where.join(', ')})` : ''}` +
      (m.spec ? '' : "; the file names no network, so the editor's network is assumed"),
    backend: null,
    live: {
      step: last?.step ?? 0,
      totalSteps: last?.step ?? 0,
      epoch: last?.epoch ?? 0,
      lr: last?.lr ?? 0,
      imagesPerSecond: last?.imagesPerSecond ?? 0,
      trainLoss: last?.loss ?? null,
      trainError: last?.error ?? null,
      testError: lastTest?.error ?? null,
      secondsLeft: null,
    },
    checkpointStep: null,
  };
}
