import { describe, expect, it } from 'vitest';
import type { BaseTickContentProps } from 'recharts';
import { plainTick } from './plainTick';

const tick = (over: Partial<BaseTickContentProps>): BaseTickContentProps => ({
  angle: 0,
  fill: '#555',
  index: 2,
  stroke: 'none',
  payload: { value: 0.25, coordinate: 40, index: 2 },
  textAnchor: 'middle',
  tickFormatter: undefined,
  verticalAnchor: 'start',
  visibleTicksCount: 5,
  x: 40,
  y: 200,
  className: 'recharts-cartesian-axis-tick-value',
  ...over,
});

describe('plainTick', () => {
  it('draws the formatted value as one text element at the tick', () => {
    const el = plainTick(tick({ tickFormatter: (v: number, i: number) => `${v * 100}% #${i}` }));
    expect(el.type).toBe('text');
    expect(el.props).toMatchObject({
      x: 40,
      y: 200,
      textAnchor: 'middle',
      fill: '#555',
      className: 'recharts-cartesian-axis-tick-value',
      children: '25% #2',
    });
  });
  it('places the label below, beside or above its anchor as recharts does', () => {
    expect(plainTick(tick({ verticalAnchor: 'start' })).props.dy).toBe('0.71em');
    expect(plainTick(tick({ verticalAnchor: 'middle' })).props.dy).toBe('0.355em');
    expect(plainTick(tick({ verticalAnchor: 'end' })).props.dy).toBeUndefined();
    expect(plainTick(tick({})).props.children).toBe('0.25');
  });
});
