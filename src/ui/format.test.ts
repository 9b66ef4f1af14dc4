import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatLoss,
  formatPercent,
  formatSeconds,
  formatShort,
  parseLearningRate,
} from './format';

describe('formats', () => {
  it('formats counts and sizes', () => {
    expect(formatCount(1710426)).toBe('1,710,426');
    expect(formatCount(2.6)).toBe('3');
    expect(formatShort(1710426)).toBe('1.71M');
    expect(formatShort(349402)).toBe('349K');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(5.6 * 2 ** 20)).toBe('5.6 MiB');
    expect(formatBytes(184 * 2 ** 20)).toBe('184 MiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });

  it('formats durations, percentages and losses', () => {
    expect(formatDuration(75)).toBe('1 min 15 s');
    expect(formatDuration(3725)).toBe('1 h 2 min');
    expect(formatDuration(null)).toBe('—');
    expect(formatSeconds(2.34)).toBe('2.3 s');
    expect(formatSeconds(125)).toBe('2 min 5 s');
    expect(formatSeconds(Number.NaN)).toBe('—');
    expect(formatPercent(0.0357, 2)).toBe('3.57%');
    expect(formatPercent(0.256)).toBe('25.6%');
    expect(formatPercent(null)).toBe('—');
    expect(formatLoss(null)).toBe('—');
    expect(formatLoss(NaN)).toBe('NaN');
    expect(formatLoss(1.23456)).toBe('1.2346');
  });

  it('parses a learning rate or says what is wrong', () => {
    expect(parseLearningRate(' 0.01 ')).toEqual({ ok: true, lr: 0.01 });
    expect(parseLearningRate('abc')).toMatchObject({ ok: false });
    expect(parseLearningRate('-1')).toMatchObject({ ok: false });
    expect(parseLearningRate('1e30')).toEqual({ ok: true, lr: 1e30 });
    expect(parseLearningRate('Infinity')).toMatchObject({ ok: false });
  });
});
