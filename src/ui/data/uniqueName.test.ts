import { describe, expect, it } from 'vitest';
import { uniqueName } from './uniqueName';

describe('uniqueName', () => {
  it('numbers a taken name from 2 on', () => {
    expect(uniqueName('a', new Set(['a', 'a (2)']))).toBe('a (3)');
    expect(uniqueName('b', new Set(['a']))).toBe('b');
  });
});
