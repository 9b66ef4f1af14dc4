import { describe, expect, it } from 'vitest';
import { analyzeNetwork } from './analysis';
import { paramSpread, raceSpecs } from './race';

describe('race networks', () => {
  it('are the paper networks at width 16, with equal parameter counts within 7%', () => {
    const entries = raceSpecs(12, 16);
    expect(entries.map((e) => e.params)).toEqual([369_690, 346_650, 349_402]);
    expect(paramSpread(entries)).toBeLessThan(0.07);
  });
  it('scale down for a quick browser race and stay comparable', () => {
    const entries = raceSpecs(6, 4);
    for (const e of entries) expect(e.params).toBe(analyzeNetwork(e.spec).params);
    expect(entries.map((e) => e.spec.stages.map((s) => s.width))).toEqual([
      [4, 8, 16],
      [4, 8, 16],
      [4, 8, 16],
    ]);
    expect(paramSpread(entries)).toBeLessThan(0.1);
  });
});
