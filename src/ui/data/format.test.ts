import { describe, expect, it } from 'vitest';
import { formatBytes, formatSeconds, uniqueName } from './format';

describe('dataset panel formatting', () => {
  it('formats sizes, durations and unique names', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(5.6 * 2 ** 20)).toBe('5.6 MB');
    expect(formatBytes(184 * 2 ** 20)).toBe('184 MB');
    expect(formatSeconds(2.34)).toBe('2.3 s');
    expect(formatSeconds(125)).toBe('2 min 5 s');
    expect(formatSeconds(Number.NaN)).toBe('—');
    expect(uniqueName('a', new Set(['a', 'a (2)']))).toBe('a (3)');
    expect(uniqueName('b', new Set(['a']))).toBe('b');
  });
});
