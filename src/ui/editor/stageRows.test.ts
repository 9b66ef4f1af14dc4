import { describe, expect, it } from 'vitest';
import { LIST_CAP, listedRows } from './stageRows';

describe('listedRows', () => {
  it('lists every block of a stage within the cap', () => {
    expect(listedRows(LIST_CAP, null, false)).toBe(LIST_CAP);
    expect(listedRows(3, 2, false)).toBe(3);
  });
  it('lists the first blocks of a long stage, through the selected one', () => {
    expect(listedRows(200, null, false)).toBe(LIST_CAP);
    expect(listedRows(200, 3, false)).toBe(LIST_CAP);
    expect(listedRows(200, 150, false)).toBe(151);
    expect(listedRows(200, 199, false)).toBe(200);
  });
  it('lists all of them when asked', () => {
    expect(listedRows(200, null, true)).toBe(200);
  });
});
