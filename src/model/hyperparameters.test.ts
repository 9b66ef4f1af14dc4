import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMETERS, toRunConfig, validateHyperparameters } from './hyperparameters';
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
});
