import { describe, expect, it } from 'vitest';
import { parseMetrics } from './metrics';
import { fromPaper, tinyClassroom } from '../model/presets';
import { importedRunSummary } from './importedRun';

describe('importedRunSummary', () => {
  it('turns train.py metrics into a finished run with its network and last numbers', () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 12 });
    const m = parseMetrics(
      JSON.stringify({
        format: 'dmrnet-playground-metrics',
        version: 1,
        network: spec.name,
        dataset: 'cifar10',
        world_size: 2,
        batch_size: 64,
        amp: true,
        device: 'NVIDIA H100',
        epochs: 400,
        spec,
        rows: [
          {
            epoch: 1,
            step: 781,
            lr: 0.1,
            train_loss: 1.5,
            train_error: 0.5,
            test_loss: null,
            test_error: null,
            images_per_sec: 5000,
          },
          {
            epoch: 2,
            step: 1562,
            lr: 0.1,
            train_loss: 1.1,
            train_error: 0.4,
            test_loss: 1.0,
            test_error: 0.35,
            images_per_sec: 5100,
          },
        ],
      }),
      'metrics.json',
    );
    const run = importedRunSummary(m, tinyClassroom(), 'pytorch-import-1');
    expect(run.config.spec).toEqual(spec);
    expect(run.status).toBe('finished');
    expect(run.live).toMatchObject({ step: 1562, epoch: 2, testError: 0.35, trainLoss: 1.1 });
    expect(run.message).toBe(
      'Imported from PyTorch train.py (NVIDIA H100, 2 processes, mixed precision)',
    );
  });

  it('assumes the editor network for a CSV and says so', () => {
    const m = parseMetrics('epoch,step,train_loss,train_error\n1,10,2,0.8\n', 'metrics.csv');
    const run = importedRunSummary(m, tinyClassroom(), 'id');
    expect(run.config.spec).toEqual(tinyClassroom());
    expect(run.message).toMatch(/editor's network is assumed/);
  });
});
