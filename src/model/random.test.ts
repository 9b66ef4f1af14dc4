import { describe, expect, it } from 'vitest';
import {
  createRng,
  mixSeed,
  mulberry32,
  permutation,
  seededNormal,
  seededRandom,
  seededUniform,
  weightSeed,
} from './random';

const take = (next: () => number, n: number) => Array.from({ length: n }, next);

// Known answers, recorded from the three generators and four seed mixers before they were
// merged into this module (model/random.ts, train/rng.ts, data/random.ts, builder's
// weightSeed). Stored checkpoints hold these seeds and generator states: if one of these
// changes, old runs no longer resume exactly.
describe('known answers (old checkpoints resume exactly)', () => {
  it('mulberry32 (weight initialisation)', () => {
    expect(take(mulberry32(0), 4)).toEqual([
      0.26642920868471265, 0.0003297457005828619, 0.2232720274478197, 0.1462021479383111,
    ]);
    expect(take(mulberry32(1), 4)).toEqual([
      0.6270739405881613, 0.002735721180215478, 0.5274470399599522, 0.9810509674716741,
    ]);
    expect(take(mulberry32(42), 4)).toEqual([
      0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693,
    ]);
    expect(take(mulberry32(0xdeadbeef), 4)).toEqual([
      0.9413696140982211, 0.26719574979506433, 0.772033357527107, 0.35816076025366783,
    ]);
    expect(Array.from(seededNormal(5, 1, 3))).toEqual([
      1.549242615699768, 0.3839261829853058, 0.9836971163749695, 0.500658392906189,
      -1.6850405931472778,
    ]);
    expect(Array.from(seededUniform(4, 0.25, 2))).toEqual([
      0.11712547391653061, -0.08750078082084656, -0.10735197365283966, 0.018977578729391098,
    ]);
  });

  it('createRng and mixSeed (training steps: augmentation and batch streams)', () => {
    {
      const rng = createRng(0);
      expect([rng.next(), rng.next()]).toEqual([0.26642920868471265, 0.0003297457005828619]);
      expect([rng.int(10), rng.int(1000)]).toEqual([2, 146]);
      expect(rng.state).toBe(3031295956);
    }
    {
      const rng = createRng(7);
      expect([rng.next(), rng.next()]).toEqual([0.011704753153026104, 0.06195825757458806]);
      expect([rng.int(10), rng.int(1000)]).toEqual([9, 699]);
      expect(rng.state).toBe(3031295963);
    }
    {
      const rng = createRng(0xdeadbeef);
      expect([rng.next(), rng.next()]).toEqual([0.9413696140982211, 0.26719574979506433]);
      expect([rng.int(10), rng.int(1000)]).toEqual([7, 358]);
      expect(rng.state).toBe(2472257219);
    }
    expect(mixSeed(1)).toBe(3761070045);
    expect(mixSeed(42, 0)).toBe(3957032378);
    expect(mixSeed(42, 7, 3)).toBe(4199367642);
    expect(mixSeed(-1, 4294967296)).toBe(3520475439);
  });

  it("seededRandom and permutation (the loader's shuffles)", () => {
    expect(take(seededRandom(0, 0, 0), 3)).toEqual([
      0.9827559625264257, 0.6165893881116062, 0.562425494659692,
    ]);
    expect(take(seededRandom(1, 2, 3), 3)).toEqual([
      0.43723356164991856, 0.6828933418728411, 0.6380223005544394,
    ]);
    expect(take(seededRandom(42, 0, 1), 3)).toEqual([
      0.8857515840791166, 0.04995459504425526, 0.20654219412244856,
    ]);
    expect(take(seededRandom(4294967295, 10, 2), 3)).toEqual([
      0.2014239775016904, 0.12530613644048572, 0.7633398813195527,
    ]);
    expect(permutation(8, seededRandom(1, 0, 0))).toEqual([4, 1, 2, 3, 6, 5, 0, 7]);
  });

  it('weightSeed (per-weight initialiser seeds)', () => {
    expect(weightSeed(1, 'stem.conv.weight')).toBe(1350556549);
    expect(weightSeed(0, 'a')).toBe(2561850538);
  });

  it('a restored createRng state continues the same stream', () => {
    const rng = createRng(123);
    take(rng.next, 5);
    const resumed = createRng(rng.state);
    expect(take(resumed.next, 3)).toEqual(take(rng.next, 3));
  });
});

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
