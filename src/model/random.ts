/**
 * The project's one source of seeded random numbers: weight initialisation (model/builder.ts),
 * the training steps' augmentation and batch streams (train/), and the loader's shuffles
 * (data/loader.ts). Plain JS integer maths, so the same seed gives the same numbers on every
 * backend and machine.
 *
 * Do not change what any function here returns for a seed: checkpoints store generator states
 * and seeds, and an old checkpoint resumes exactly only if these streams stay bit-identical
 * (random.test.ts pins them with known answers recorded before the three copies were merged).
 * That is also why there are three seed mixers: each feeds streams that stored runs depend on.
 */

/** mulberry32's output for a state (a small, fast 32-bit generator; Tommy Ettinger's). */
function mulberry32Output(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

const MULBERRY32_INCREMENT = 0x6d2b79f5;

/** mulberry32 from `seed`: uniform numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + MULBERRY32_INCREMENT) >>> 0;
    return mulberry32Output(a) / 2 ** 32;
  };
}

/** A mulberry32 generator whose whole state is one 32-bit integer, so a checkpoint can store it. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** The current state (restore it with `createRng(state)`). */
  readonly state: number;
}

/**
 * A resumable mulberry32. Each training step derives its own stream from (run seed, step) with
 * `mixSeed`: augmentation for step s never depends on how many numbers earlier steps drew,
 * which keeps resume exact.
 */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const nextUint = (): number => {
    a = (a + MULBERRY32_INCREMENT) >>> 0;
    return mulberry32Output(a);
  };
  return {
    next: () => nextUint() / 2 ** 32,
    int: (n) => Math.floor((nextUint() / 2 ** 32) * n),
    get state() {
      return a;
    },
  };
}

/**
 * Mixes integers into one seed (a 32-bit FNV-1a over their bytes, then finalised): the
 * training steps' streams, seeded by (run seed, step, ...).
 */
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

/** Mixes integers into one seed (the murmur3 finalizer over each part): the loader's shuffles. */
function shuffleSeed(parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h ^= Math.imul((part | 0) ^ ((part / 0x100000000) | 0), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * mulberry32 seeded by (seed, epoch, stream): the same triple always gives the same sequence,
 * so the loader's epoch orders are reproducible and resumable.
 */
export function seededRandom(seed: number, epoch: number, stream: number): () => number {
  return mulberry32(shuffleSeed([seed, epoch, stream]));
}

/** FNV-1a of "seed:name": the per-weight seed of the random initialisers. */
export function weightSeed(seed: number, name: string): number {
  let h = 0x811c9dc5;
  const s = `${seed}:${name}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
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

/**
 * n samples of N(0, std^2) (Box-Muller, both values of each pair used). Several times faster
 * than tfjs's seeded tf.randomNormal (seedrandom's alea plus a rejection loop per value): it
 * matters for big networks (DMRNet-Wide has 15-24M weights).
 */
export function seededNormal(n: number, std: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - next(); // (0, 1]: log is finite
    const u2 = next();
    const r = std * Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** n samples of U(-limit, limit). */
export function seededUniform(n: number, limit: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * next() - 1) * limit;
  return out;
}
