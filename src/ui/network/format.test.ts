import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration, formatPercent, formatShort } from './format';

describe('formats', () => {
  it('formats counts, sizes, durations and percentages', () => {
    expect(formatCount(1710426)).toBe('1,710,426');
    expect(formatShort(1710426)).toBe('1.71M');
    expect(formatShort(349402)).toBe('349K');
    expect(formatBytes(3 * 1024 ** 2)).toBe('3.0 MiB');
    expect(formatDuration(3725)).toBe('1 h 2 min');
    expect(formatDuration(null)).toBe('—');
    expect(formatPercent(0.0357)).toBe('3.57%');
  });
});
