import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HYPERPARAMETERS,
  HYPER_LIMITS,
  runConfigProblems,
  toRunConfig,
  validateHyperparameters,
} from './hyperparameters';
import { tinyClassroom } from './presets';

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
    expect(c.sgd).toEqual({ momentum: 0.9, weightDecay: 1e-4, nesterov: true });
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
});
