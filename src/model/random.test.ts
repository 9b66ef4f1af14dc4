import { describe, expect, it } from 'vitest';
import { mulberry32, seededNormal, seededUniform } from './random';

describe('seeded random numbers', () => {
  it('repeat for a seed and differ between seeds', () => {
    expect(Array.from(seededNormal(7, 1, 3))).toEqual(Array.from(seededNormal(7, 1, 3)));
    expect(Array.from(seededNormal(7, 1, 3))).not.toEqual(Array.from(seededNormal(7, 1, 4)));
    const next = mulberry32(1);
    const u = Array.from({ length: 1000 }, next);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
  });

  it('have the asked distribution', () => {
    const x = seededNormal(100_001, 0.5, 9);
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const std = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(std).toBeCloseTo(0.5, 2);
    expect(x.every(Number.isFinite)).toBe(true);
    const u = seededUniform(100_000, 0.25, 2);
    expect(Math.max(...u)).toBeLessThanOrEqual(0.25);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-0.25);
    expect(u.reduce((a, b) => a + b, 0) / u.length).toBeCloseTo(0, 2);
  });
});
