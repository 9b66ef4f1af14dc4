/**
 * Seeded randomness for shuffling: the same (seed, epoch, stream) always gives the same
 * sequence, on every machine, so runs are reproducible and resumable.
 */

/** Mixes integers into one 32-bit seed (the murmur3 finalizer over each part). */
function mixSeed(parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h ^= Math.imul((part | 0) ^ ((part / 0x100000000) | 0), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A mulberry32 generator of floats in [0, 1), seeded by (seed, epoch, stream). */
export function seededRandom(seed: number, epoch: number, stream: number): () => number {
  let state = mixSeed([seed, epoch, stream]);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Fisher-Yates permutation of 0..n-1. */
export function permutation(n: number, random: () => number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}
