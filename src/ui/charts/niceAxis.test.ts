import { describe, expect, it } from 'vitest';
import { axisKey, logAxis, niceStep, rangeAxis, zeroBasedAxis } from './niceAxis';

describe('niceStep', () => {
  it('picks 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceStep(1, 5)).toBe(0.2);
    expect(niceStep(2.3, 5)).toBe(0.5);
    expect(niceStep(100, 5)).toBe(20);
    expect(niceStep(12, 5)).toBe(2.5);
    expect(niceStep(0.07, 5)).toBeCloseTo(0.02, 12);
  });
  it('falls back to 1 for an empty or broken span', () => {
    expect(niceStep(0)).toBe(1);
    expect(niceStep(Number.NaN)).toBe(1);
  });
});

describe('zeroBasedAxis', () => {
  it('runs from zero to the first round value at or above the maximum', () => {
    expect(zeroBasedAxis(2.3)).toEqual({ domain: [0, 2.5], ticks: [0, 0.5, 1, 1.5, 2, 2.5] });
    expect(zeroBasedAxis(1)).toEqual({ domain: [0, 1], ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(zeroBasedAxis(0.9).domain).toEqual([0, 1]);
    expect(zeroBasedAxis(300).domain).toEqual([0, 300]);
  });
  it('has clean tick values (no float noise)', () => {
    expect(zeroBasedAxis(0.3).ticks).toEqual([0, 0.1, 0.2, 0.3]);
    expect(zeroBasedAxis(0.7).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
  });
  it('stays the same while the maximum moves below its top (a live chart keeps its axis)', () => {
    const key = axisKey(zeroBasedAxis(2.31));
    for (const max of [2.31, 2.4, 2.45, 2.5]) expect(axisKey(zeroBasedAxis(max))).toBe(key);
    expect(axisKey(zeroBasedAxis(2.51))).not.toBe(key);
  });
  it('gives [0, 1] for no data', () => {
    expect(zeroBasedAxis(0).domain).toEqual([0, 1]);
    expect(zeroBasedAxis(Number.NEGATIVE_INFINITY).domain).toEqual([0, 1]);
  });
});

describe('rangeAxis', () => {
  it('brackets the values with round ends', () => {
    expect(rangeAxis(3.2, 9.7)).toEqual({ domain: [2, 10], ticks: [2, 4, 6, 8, 10] });
  });
  it('widens a single value into a window around it', () => {
    const { domain, ticks } = rangeAxis(6, 6);
    expect(domain[0]).toBeLessThan(6);
    expect(domain[1]).toBeGreaterThan(6);
    expect(ticks[0]).toBe(domain[0]);
    expect(ticks[ticks.length - 1]).toBe(domain[1]);
  });
});

describe('logAxis', () => {
  it('spans whole powers of ten', () => {
    expect(logAxis(0.03, 2.4)).toEqual({ domain: [0.01, 10], ticks: [0.01, 0.1, 1, 10] });
    expect(logAxis(1, 1)).toEqual({ domain: [1, 10], ticks: [1, 10] });
  });
  it('gives [1, 10] without positive values', () => {
    expect(logAxis(0, 5).domain).toEqual([1, 10]);
  });
});
