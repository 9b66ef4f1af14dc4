/**
 * A small seeded random generator (mulberry32) whose whole state is one 32-bit integer, so a
 * checkpoint can store it and a resumed run draws the same numbers. Each training step derives
 * its own stream from (run seed, step): augmentation for step s never depends on how many
 * numbers earlier steps drew, which keeps resume exact.
 */

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** The current state (restore it with `createRng(state)`). */
  readonly state: number;
}

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const nextUint = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    next: () => nextUint() / 2 ** 32,
    int: (n) => Math.floor((nextUint() / 2 ** 32) * n),
    get state() {
      return a;
    },
  };
}

/** Mixes several integers into one seed (a 32-bit FNV-1a over their bytes, then finalised). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    let v = part >>> 0;
    for (let i = 0; i < 4; i++) {
      h ^= v & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
      v >>>= 8;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}
