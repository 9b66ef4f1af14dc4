import { describe, expect, it } from 'vitest';
import { formatDuration, formatLoss, formatPercent, parseLearningRate } from './format';

describe('training read-out formats', () => {
  it('formats losses, rates and durations', () => {
    expect(formatLoss(null)).toBe('–');
    expect(formatLoss(NaN)).toBe('NaN');
    expect(formatLoss(1.23456)).toBe('1.2346');
    expect(formatPercent(0.256)).toBe('25.6%');
    expect(formatDuration(75)).toBe('1 min 15 s');
    expect(formatDuration(3725)).toBe('1 h 2 min');
  });

  it('parses a learning rate or says what is wrong', () => {
    expect(parseLearningRate(' 0.01 ')).toEqual({ ok: true, lr: 0.01 });
    expect(parseLearningRate('abc')).toMatchObject({ ok: false });
    expect(parseLearningRate('-1')).toMatchObject({ ok: false });
    expect(parseLearningRate('1e30')).toEqual({ ok: true, lr: 1e30 });
    expect(parseLearningRate('Infinity')).toMatchObject({ ok: false });
  });
});
