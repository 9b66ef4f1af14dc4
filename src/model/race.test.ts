import { describe, expect, it } from 'vitest';
import { paramSpread, raceSpecs } from './race';

describe('race networks', () => {
  it('are the paper networks at width 16, with equal parameter counts within 7%', () => {
    const entries = raceSpecs(12, 16);
    expect(entries.map((e) => e.params)).toEqual([369_690, 346_650, 349_402]);
    expect(paramSpread(entries)).toBeLessThan(0.07);
  });
  it('scale down for a quick browser race and stay comparable', () => {
    const entries = raceSpecs(6, 4);
    // ResNet, L = 6 at width 4 (widths 4, 8, 16; two blocks of two 3x3 convs a stage), by hand:
    // conv0 3*3*3*4 + BN 8 = 116; stage 1: 4 convs of 4*4*9 + 4 BNs of 8 = 608; stage 2:
    // 4*8*9 + 3 * 8*8*9 + 4 BNs of 16 + 1x1 projection 4*8 and its BN 16 = 2128; stage 3:
    // 8*16*9 + 3 * 16*16*9 + 4 BNs of 32 + projection 8*16 and its BN 32 = 8352; FC 16*10 + 10.
    expect(entries[0]!.params).toBe(116 + 608 + 2128 + 8352 + 170);
    expect(entries.map((e) => e.spec.stages.map((s) => s.width))).toEqual([
      [4, 8, 16],
      [4, 8, 16],
      [4, 8, 16],
    ]);
    expect(paramSpread(entries)).toBeLessThan(0.1);
  });
});
