import { describe, expect, it } from 'vitest';
import { decodeDrag, dropIndex, encodeDrag } from './dragData';

describe('drag payloads', () => {
  it('round-trips and rejects anything else', () => {
    expect(decodeDrag(encodeDrag({ from: 'palette', item: 2 }))).toEqual({
      from: 'palette',
      item: 2,
    });
    expect(decodeDrag(encodeDrag({ from: 'block', stage: 1, index: 14 }))).toEqual({
      from: 'block',
      stage: 1,
      index: 14,
    });
    expect(decodeDrag('block:1')).toBeNull();
    expect(decodeDrag('<script>')).toBeNull();
  });
  it('drops before an item in its upper half and after it below', () => {
    expect(dropIndex(3, 4, 30)).toBe(3);
    expect(dropIndex(3, 20, 30)).toBe(4);
  });
});
