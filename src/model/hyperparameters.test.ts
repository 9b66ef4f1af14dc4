import { describe, expect, it } from 'vitest';
import {
  BEFORE_RECIPE_OPTIONS,
  DEFAULT_HYPERPARAMETERS,
  HYPER_LIMITS,
  runConfigProblems,
  toRunConfig,
  validateHyperparameters,
} from './hyperparameters';
import { fromPaper, tinyClassroom } from './presets';
import { costFeatures, reportEveryFor } from './trainingCost';

describe('hyperparameters', () => {
  it('accepts form strings and gives one message per wrong field', () => {
    const ok = validateHyperparameters({
      ...DEFAULT_HYPERPARAMETERS,
      epochs: '3',
      learningRate: ' 0.05 ',
    });
    expect(ok.ok && ok.value.epochs).toBe(3);
    expect(ok.ok && ok.value.learningRate).toBe(0.05);
    const bad = validateHyperparameters({
      ...DEFAULT_HYPERPARAMETERS,
      epochs: '0',
      batchSize: 'many',
      learningRate: '-1',
      weightDecay: '1',
      seed: '1.5',
      schedule: 'wild',
      backend: 'tpu',
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(Object.keys(bad.errors).sort()).toEqual(
        [
          'backend',
          'batchSize',
          'epochs',
          'learningRate',
          'schedule',
          'seed',
          'weightDecay',
        ].sort(),
      );
      expect(bad.errors.epochs).toBe('Epochs must be a whole number from 1 to 400.');
      expect(bad.value).toEqual(DEFAULT_HYPERPARAMETERS);
    }
  });

  it('maps to the worker run config with the paper milestones or none', () => {
    expect(
      toRunConfig(tinyClassroom(), DEFAULT_HYPERPARAMETERS, 'd', 'n').schedule.milestones,
    ).toEqual([0.5, 0.75, 0.875]);
    const c = toRunConfig(
      tinyClassroom(),
      { ...DEFAULT_HYPERPARAMETERS, schedule: 'constant' },
      'cifar10-sample',
      'tiny',
    );
    expect(c.schedule).toEqual({ base: 0.1, factor: 0.1, milestones: [] });
    expect(c.sgd).toEqual({ momentum: 0.9, weightDecay: 1e-4, nesterov: true, decay: 'all' });
    expect(c.padFill).toBe('zero');
    expect(c.bnBatch).toBe(0);
    expect(c.dataset).toBe('cifar10-sample');
  });

  it('the worker checks a run config against the same bounds as the form', () => {
    const config = toRunConfig(tinyClassroom(), DEFAULT_HYPERPARAMETERS, 'd', 'n');
    expect(runConfigProblems(config)).toEqual([]);
    // The bounds the two validators disagreed on: weight decay <= 0.1, batch <= 1024.
    const wd = { ...config, sgd: { ...config.sgd, weightDecay: 0.5 } };
    expect(runConfigProblems(wd)).toEqual(['Weight decay must be a number from 0 to 0.1.']);
    expect(validateHyperparameters({ ...DEFAULT_HYPERPARAMETERS, weightDecay: 0.5 }).ok).toBe(
      false,
    );
    expect(runConfigProblems({ ...config, batchSize: HYPER_LIMITS.batchSize.max + 1 })).toEqual([
      'Batch size must be a whole number from 1 to 1024.',
    ]);
    expect(runConfigProblems({ ...config, batchSize: 1024 })).toEqual([]);
  });

  it('explains a wrong schedule, momentum or checkpoint interval, one message each', () => {
    const config = toRunConfig(tinyClassroom(), DEFAULT_HYPERPARAMETERS, 'd', 'n');
    const s = config.schedule;
    expect(runConfigProblems({ ...config, schedule: { ...s, base: -1 } })).toEqual([
      'Learning rate must be a number from 0.000001 to 10.',
    ]);
    expect(runConfigProblems({ ...config, schedule: { ...s, factor: 2 } })[0]).toMatch(
      /decay factor/,
    );
    expect(runConfigProblems({ ...config, schedule: { ...s, milestones: [0.5, 1.5, 2] } })).toEqual(
      ['Milestones are fractions of training strictly between 0 and 1.'],
    );
    expect(runConfigProblems({ ...config, sgd: { ...config.sgd, momentum: 1 } })).toEqual([
      'Momentum must be in [0, 1) (paper: 0.9).',
    ]);
    expect(runConfigProblems({ ...config, checkpointEveryMinutes: 0, epochs: 0 })).toHaveLength(2);
  });

  it('the worker checks the recipe options, and takes a run config stored without them', () => {
    const config = toRunConfig(tinyClassroom(), DEFAULT_HYPERPARAMETERS, 'd', 'n');
    expect(runConfigProblems({ ...config, bnBatch: 32 })).toEqual([]);
    expect(runConfigProblems({ ...config, bnBatch: 24 })[0]).toMatch(
      /BN batch \(24\) must divide the batch size \(64\)/,
    );
    expect(runConfigProblems({ ...config, padFill: 'grey' })[0]).toMatch(/zero, mean/);
    expect(runConfigProblems({ ...config, sgd: { ...config.sgd, decay: 'x' } })[0]).toMatch(
      /all, weights-gamma/,
    );
    const old: Record<string, unknown> = { ...config, sgd: { ...config.sgd } };
    delete old.padFill;
    delete old.bnBatch;
    delete (old.sgd as Record<string, unknown>).decay;
    expect(runConfigProblems(old)).toEqual([]);
  });

  it("defaults to the authors' decay rule, zero padding and whole-batch BN", () => {
    expect(DEFAULT_HYPERPARAMETERS.decay).toBe('all');
    expect(DEFAULT_HYPERPARAMETERS.padFill).toBe('zero');
    expect(DEFAULT_HYPERPARAMETERS.bnBatch).toBe(0);
  });

  it('takes the recipe options, and explains wrong ones', () => {
    const ok = validateHyperparameters({
      ...DEFAULT_HYPERPARAMETERS,
      decay: 'weights-gamma',
      padFill: 'mean',
      bnBatch: '32',
    });
    expect(ok.ok).toBe(true);
    expect(ok.value).toMatchObject({ decay: 'weights-gamma', padFill: 'mean', bnBatch: 32 });
    const c = toRunConfig(tinyClassroom(), ok.value, 'd', 'n');
    expect(c.sgd.decay).toBe('weights-gamma');
    expect(c.padFill).toBe('mean');
    expect(c.bnBatch).toBe(32);
    const bad = validateHyperparameters({
      ...DEFAULT_HYPERPARAMETERS,
      decay: 'biases',
      padFill: 'grey',
      bnBatch: '24',
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.decay).toMatch(/all, weights-gamma/);
      expect(bad.errors.padFill).toMatch(/zero, mean/);
      expect(bad.errors.bnBatch).toMatch(/must divide the batch size \(64\)/);
    }
  });

  it('reads a share link made before the recipe options as the run it described', () => {
    const old: Record<string, unknown> = { ...DEFAULT_HYPERPARAMETERS };
    delete old.decay;
    delete old.padFill;
    delete old.bnBatch;
    const r = validateHyperparameters(old);
    expect(r.ok).toBe(true);
    expect(r.value).toMatchObject(BEFORE_RECIPE_OPTIONS);
    expect(r.value.decay).toBe('weights-gamma');
  });
});

describe('toRunConfig: the plotted steps', () => {
  it('come from the network and batch alone, so identical runs plot identical steps', () => {
    const big = toRunConfig(
      fromPaper({ arch: 'dmrnet', L: 12 }),
      DEFAULT_HYPERPARAMETERS,
      'd',
      'n',
    );
    expect(big.reportEverySteps).toBe(1); // a point every step: each is seconds long on a CPU
    const small = toRunConfig(
      tinyClassroom({ width: 4 }),
      { ...DEFAULT_HYPERPARAMETERS, batchSize: 4 },
      'd',
      'n',
    );
    expect(small.reportEverySteps).toBe(
      reportEveryFor(costFeatures(tinyClassroom({ width: 4 })), 4),
    );
    expect(small.reportEverySteps).toBeGreaterThan(1);
    const again = toRunConfig(
      tinyClassroom({ width: 4 }),
      { ...DEFAULT_HYPERPARAMETERS, batchSize: 4 },
      'd',
      'n',
    );
    expect(again.reportEverySteps).toBe(small.reportEverySteps);
  });
});
