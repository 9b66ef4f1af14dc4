/**
 * Pure analysis of a NetworkSpec: parameters, multiply-adds, training memory, depth and the
 * exact path-length distribution (Section 3.2, Figure 3). Cheap enough for every slider move
 * (an L=96 network takes well under a millisecond; see scripts/bench-model.ts).
 *
 * Depth conventions (see README "Model core"):
 * - actualDepth: the longest input-to-output path in conv layers, counting conv0 and the FC:
 *   L+2 for a DMRNet (Table 3: "depth 56" at L=54), 2L+2 for a ResNet.
 * - plainDepth: every conv layer of every branch plus conv0 and the FC: 2L+2 for all three
 *   two-branch-per-L families of Table 2 (their common plain network).
 * - tableL: Table 2's L (plainDepth = 2 tableL + 2 for K = 2). sectionL: Section 3.2's L, the
 *   number of two-branch blocks (ResNet: 2L one-branch blocks), i.e. tableL / B.
 */
import { convBnLayers, planNetwork, type BlockPlan, type NetworkPlan } from './plan';
import type { NetworkSpec } from './spec';

export interface PathDistribution {
  /** Path lengths (conv layers on the path, conv0 and FC included) that occur, ascending. */
  lengths: number[];
  /**
   * Number of distinct input-to-output paths of each length. Plain floating-point numbers: exact
   * while below 2^53 (about 9e15), otherwise correct to ~15 significant digits (ResNet L=96 has
   * 2^96 paths). Use `exactPathCounts` for exact integers.
   */
  counts: number[];
  /** counts / total: the chance a path chosen uniformly has this length. */
  probabilities: number[];
  /**
   * Total number of paths (floating point, see counts). Counts and total are Infinity past
   * ~1.8e308 paths (5 stages x 200 blocks of K = 8 have ~1e954); probabilities, mean and std
   * stay exact to rounding, and `log10Total` gives the size.
   */
  total: number;
  /** log10(total), finite for every network. */
  log10Total: number;
  mean: number;
  std: number;
}

export interface StageParams {
  stage: number;
  /** Residual branches (conv + BN). */
  branches: number;
  /** 1x1 projection shortcuts (conv + BN). */
  projections: number;
}

export interface NetworkAnalysis {
  /** Trainable parameters: conv kernels, BN gamma and beta, FC weight and bias. */
  params: number;
  paramsByPart: { stem: number; stages: StageParams[]; classifier: number };
  /** BN running means and variances (not trained, not in `params`). */
  nonTrainable: number;
  /** Multiply-adds of one forward pass of one image (convolutions and FC; BN, sums ignored). */
  multiplyAdds: number;
  batch: number;
  /**
   * Training memory estimate for `batch` images in float32: every tensor a backward pass keeps
   * (conv, BN and ReLU outputs, sums, merges, the input), see `activationFloatsPerImage`.
   */
  activationBytes: number;
  /** Weights, their gradients and the momentum buffer: 3 x (params + nonTrainable) x 4 bytes. */
  weightBytes: number;
  actualDepth: number;
  plainDepth: number;
  blocksPerStage: number[];
  tableL: number;
  sectionL: number;
  paths: {
    /** Projections not counted (the paper's convention). */
    withoutProjections: PathDistribution;
    /** Every 1x1 projection on a path counts as one layer. */
    withProjections: PathDistribution;
    /** The paper's closed form: every block treated alike (BL+2, 2B/3 L+2, B/3 L+2). */
    paperMean: number;
    /** The closed form in words, e.g. "B/3 L + 2 = 2/3 x 6 + 2 (DMRNet, L = 6 blocks)". */
    paperFormula: string;
    /** Why the exact mean and the paper's formula differ (empty when they agree). */
    explanation: string;
  };
}

/** Floats a training step stores per image (the basis of `activationBytes`). */
export function activationFloatsPerImage(plan: NetworkPlan): number {
  const area = (s: { height: number; width: number }) => s.height * s.width;
  let floats = area(plan.spec.input) * plan.spec.input.channels;
  for (const layer of convBnLayers(plan)) {
    // conv output, BN output, and the ReLU output when there is one.
    floats += area(layer.outSize) * layer.outChannels * (layer.relu ? 3 : 2);
  }
  for (const block of plan.blocks) {
    const map = area(block.outSize) * block.outChannels;
    if (block.kind === 'mergeAndRun') {
      // the merged mean m, then per output stream the sum and its ReLU.
      floats += map * (1 + 2 * block.outputStreams);
    } else {
      floats += map * 2 * block.outputStreams;
    }
  }
  floats += plan.finalChannels * plan.classifiers.length + plan.spec.classes * 2;
  return floats;
}

/** Add `factor x src`, shifted by `shift` lengths, into `target` (up to `reach` in src). */
function addShifted(
  target: Float64Array,
  src: Float64Array,
  shift: number,
  factor = 1,
  reach = src.length - 1,
): void {
  const n = Math.min(target.length - shift, reach + 1);
  for (let i = 0; i < n; i++) {
    const v = src[i] as number;
    if (v !== 0) target[i + shift] = (target[i + shift] as number) + factor * v;
  }
}

/** Adapt the number of streams between blocks: K -> 1 by averaging, 1 -> K by copying. */
function adaptStreams<T>(streams: T[], needed: number, sum: (xs: T[]) => T): T[] {
  if (streams.length === needed) return streams;
  const one = streams.length === 1 ? (streams[0] as T) : sum(streams);
  return Array.from({ length: needed }, () => one);
}

/** The distinct arrays of `streams` with how often each occurs. */
function distinct(streams: Float64Array[]): [Float64Array, number][] {
  const counts = new Map<Float64Array, number>();
  for (const x of streams) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts];
}

/** Streams past this many paths are scaled down (by RESCALE) so that counts stay finite. */
const RESCALE_ABOVE = 1e250;
const RESCALE_LOG10 = 250;

/**
 * Count paths by dynamic programming over blocks and streams. A path chooses, in every block,
 * one way through it: a branch (B layers) or the shortcut (0 layers, 1 if `projections` and the
 * shortcut is a 1x1 projection). Merge-and-run (Eq. 3): stream i's output is reached from
 * stream i through H_i and from every stream j through the merge. The fused last block reaches
 * its single output from each stream through H_j or the merge.
 *
 * Streams with equal counts share one array (they are never written in place, except by the
 * uniform rescaling), so K identical streams cost one: 5 stages x 200 blocks of K = 8 take
 * milliseconds, not half a second. Counts past 1e250 (9^1000 paths is ~1e954) are scaled down
 * together, and the polynomial comes with the base-10 exponent of the scale.
 */
function pathPolynomial(plan: NetworkPlan, projections: boolean): Polynomial {
  // Every path length is conv0 + FC (2) plus whole branches (B layers each) and projections
  // (1 each, when counted): index i stands for length 2 + unit x i, unit the gcd of the
  // shifts. With B = 8 everywhere that is 8 times less to count.
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let unit = 0;
  let span = 0;
  for (const b of plan.blocks) {
    unit = gcd(Math.max(b.layersPerBranch, 1), unit);
    span += Math.max(b.layersPerBranch, 1);
    if (projections && b.projections.length > 0) unit = 1;
  }
  unit = Math.max(unit, 1);
  const size = span / unit + 1;
  // Arrays no stream holds any more are reused: 1,000 blocks would otherwise allocate
  // hundreds of MB in 64 KB arrays and spend more time collecting them than counting.
  const pool: Float64Array[] = [];
  const zero = () => pool.pop()?.fill(0) ?? new Float64Array(size);
  // The longest path so far: entries past it are zero.
  let reach = 0;
  const sum = (xs: Float64Array[]) => {
    const out = zero();
    for (const [x, n] of distinct(xs)) addShifted(out, x, 0, n, reach);
    return out;
  };
  const each = (streams: Float64Array[], f: (x: Float64Array) => Float64Array) => {
    const done = new Map<Float64Array, Float64Array>();
    return streams.map((x) => {
      let y = done.get(x);
      if (!y) {
        y = f(x);
        done.set(x, y);
      }
      return y;
    });
  };
  let log10Scale = 0;
  // conv0: one layer, one stem per stream (sharing "none") or one shared; equal counts.
  const stem = zero();
  stem[0] = 1;
  let streams: Float64Array[] = plan.stems.map(() => stem);
  for (const block of plan.blocks) {
    const before = streams;
    streams = adaptStreams(streams, block.inputStreams, sum);
    const adapted = streams;
    let scratch: Float64Array | null = null;
    const B = Math.max(block.layersPerBranch, 1) / unit;
    const skip = projections && block.projections.length > 0 ? 1 : 0;
    const r = reach;
    if (block.kind === 'residual' || block.kind === 'inception') {
      const x = streams[0] as Float64Array;
      const out = zero();
      addShifted(out, x, skip, 1, r); // Eq. 1 / Eq. 2: the shortcut
      addShifted(out, x, B, block.k, r); // one way per branch
      streams = [out];
    } else if (block.kind === 'identity') {
      streams = each(streams, (x) => {
        const out = zero();
        addShifted(out, x, skip, 1, r);
        addShifted(out, x, B, 1, r);
        return out;
      });
    } else {
      // Eq. 3: m = mean_j P_j(x_j) reaches every output stream.
      const merged = zero();
      for (const [x, n] of distinct(streams)) addShifted(merged, x, skip, n, r);
      if (block.fuse) {
        const out = merged;
        for (const [x, n] of distinct(streams)) addShifted(out, x, B, n, r);
        streams = [out];
      } else {
        streams = each(streams, (x) => {
          const out = zero();
          out.set(merged);
          addShifted(out, x, B, 1, r);
          return out;
        });
        scratch = merged;
      }
    }
    const live = new Set(streams);
    const dead = new Set([...before, ...adapted, ...(scratch ? [scratch] : [])]);
    for (const x of dead) if (!live.has(x)) pool.push(x);
    reach += B;
    const unique = distinct(streams).map(([x]) => x);
    let largest = 0;
    for (const x of unique)
      for (let i = 0; i <= reach && i < size; i++) largest = Math.max(largest, x[i]!);
    if (largest > RESCALE_ABOVE) {
      for (const x of unique)
        for (let i = 0; i <= reach && i < size; i++) x[i]! /= 10 ** RESCALE_LOG10;
      log10Scale += RESCALE_LOG10;
    }
  }
  // Average the streams (sharing "full") or one FC per stream: the FC layer is in the offset 2.
  const out = zero();
  for (const [x, n] of distinct(streams)) addShifted(out, x, 0, n, reach);
  return { poly: out, log10Scale, unit };
}

/** Path counts by length: index i counts the paths of 2 + unit x i layers, times 10^log10Scale. */
interface Polynomial {
  poly: Float64Array;
  log10Scale: number;
  unit: number;
}

function distribution({ poly, log10Scale, unit }: Polynomial): PathDistribution {
  const lengths: number[] = [];
  const scaled: number[] = [];
  let scaledTotal = 0;
  poly.forEach((c, i) => {
    if (c > 0) {
      lengths.push(2 + unit * i);
      scaled.push(c);
      scaledTotal += c;
    }
  });
  const probabilities = scaled.map((c) => c / scaledTotal);
  let mean = 0;
  probabilities.forEach((p, i) => (mean += p * (lengths[i] as number)));
  let variance = 0;
  probabilities.forEach((p, i) => (variance += p * ((lengths[i] as number) - mean) ** 2));
  const unscale = 10 ** log10Scale;
  return {
    lengths,
    counts: scaled.map((c) => c * unscale),
    probabilities,
    total: scaledTotal * unscale,
    log10Total: Math.log10(scaledTotal) + log10Scale,
    mean,
    std: Math.sqrt(variance),
  };
}

/** Mean number of layers one block adds to a path if every block is treated alike (Sec. 3.2). */
function closedFormBlockMean(block: BlockPlan): number {
  const B = block.layersPerBranch;
  switch (block.kind) {
    case 'residual':
    case 'identity':
      return B / 2; // skip or branch
    case 'inception':
      return (B * block.k) / (block.k + 1); // skip or one of K branches
    case 'mergeAndRun':
      return B / (block.k + 1); // H to the same stream, or the merge to each of K streams
  }
}

function describeFamily(plan: NetworkPlan): { family: string; formula: string } | null {
  const blocks = plan.blocks;
  const first = blocks[0];
  if (!first || !blocks.every((b) => b.kind === first.kind && b.k === first.k)) return null;
  const B = first.layersPerBranch;
  const n = blocks.length;
  switch (first.kind) {
    case 'residual':
      return {
        family: 'ResNet',
        formula: `B L + 2 with B = ${B}, L = ${n / 2} (2L = ${n} blocks)`,
      };
    case 'inception':
      return first.k === 2
        ? { family: 'DILNet', formula: `2B/3 L + 2 with B = ${B}, L = ${n} blocks` }
        : {
            family: `inception-like, K = ${first.k}`,
            formula: `K B/(K+1) L + 2 with K = ${first.k}, B = ${B}, L = ${n} blocks`,
          };
    case 'mergeAndRun':
      return first.k === 2
        ? { family: 'DMRNet', formula: `B/3 L + 2 with B = ${B}, L = ${n} blocks` }
        : {
            family: `DMRNet, K = ${first.k}`,
            formula: `B/(K+1) L + 2 with K = ${first.k}, B = ${B}, L = ${n} blocks`,
          };
    case 'identity':
      return { family: 'identity streams', formula: `B/2 L + 2 with B = ${B}, L = ${n} blocks` };
  }
}

export function analyzeNetwork(
  spec: NetworkSpec,
  options: { batch?: number } = {},
): NetworkAnalysis {
  const batch = options.batch ?? 64;
  const plan = planNetwork(spec);
  let params = 0;
  let nonTrainable = 0;
  let multiplyAdds = 0;
  const stages: StageParams[] = spec.stages.map((_, i) => ({
    stage: i + 1,
    branches: 0,
    projections: 0,
  }));
  const layerParams = (l: { kernel: number; inChannels: number; outChannels: number }) =>
    l.kernel * l.kernel * l.inChannels * l.outChannels + 2 * l.outChannels;
  const layerMacs = (l: (typeof plan.stems)[number]) =>
    l.outSize.height * l.outSize.width * l.outChannels * l.inChannels * l.kernel * l.kernel;
  let stem = 0;
  for (const l of plan.stems) {
    stem += layerParams(l);
    nonTrainable += 2 * l.outChannels;
    multiplyAdds += layerMacs(l);
  }
  let conv = 0;
  for (const block of plan.blocks) {
    const st = stages[block.stage - 1] as StageParams;
    for (const layers of block.branches) {
      for (const l of layers) {
        st.branches += layerParams(l);
        nonTrainable += 2 * l.outChannels;
        multiplyAdds += layerMacs(l);
        conv++;
      }
    }
    for (const l of block.projections) {
      st.projections += layerParams(l);
      nonTrainable += 2 * l.outChannels;
      multiplyAdds += layerMacs(l);
    }
  }
  let classifier = 0;
  for (const fc of plan.classifiers) {
    classifier += fc.inFeatures * fc.classes + fc.classes;
    multiplyAdds += fc.inFeatures * fc.classes;
  }
  params = stem + classifier + stages.reduce((a, s) => a + s.branches + s.projections, 0);

  const paperMean = 2 + plan.blocks.reduce((a, b) => a + closedFormBlockMean(b), 0);
  const family = describeFamily(plan);
  const fused = plan.blocks.filter((b) => b.fuse);
  const explain = (mean: number): string => {
    const diff = mean - paperMean;
    if (Math.abs(diff) <= 1e-9) return '';
    return fused.length > 0
      ? `The exact mean is ${diff.toFixed(3)} above the paper's formula because the last block ` +
          `fuses the streams (authors' code): from each stream it offers only H (B layers) or ` +
          `the merge (0), so it adds B/2 instead of B/(K+1); the formula treats every block alike.`
      : `The exact mean differs from the closed form by ${diff.toFixed(3)} because the network ` +
          `changes the number of streams or mixes block kinds, which the formula does not model.`;
  };
  // The path distributions are computed when first read: the schema's size caps (every spec
  // from a URL or a file) read only the counts, and the page shows only one of the two. For
  // 5 x 200 blocks of K = 8 each takes a good part of a second on a slow machine.
  let withoutProjections: PathDistribution | undefined;
  let withProjections: PathDistribution | undefined;
  let explanation: string | undefined;
  const paths: NetworkAnalysis['paths'] = {
    get withoutProjections() {
      return (withoutProjections ??= distribution(pathPolynomial(plan, false)));
    },
    get withProjections() {
      return (withProjections ??= distribution(pathPolynomial(plan, true)));
    },
    paperMean,
    paperFormula: family
      ? `${family.formula} = ${paperMean.toFixed(3)} (${family.family})`
      : `sum of per-block means + 2 = ${paperMean.toFixed(3)}`,
    get explanation() {
      return (explanation ??= explain(this.withoutProjections.mean));
    },
  };

  let tableL = 0;
  let sectionL = 0;
  for (const b of plan.blocks) {
    // Table 2: L/3 one-branch blocks or L/6 multi-branch blocks per stage (K widens, L deepens).
    tableL += b.kind === 'residual' ? b.layersPerBranch / 2 : b.layersPerBranch;
    sectionL += b.kind === 'residual' ? 0.5 : 1;
  }

  return {
    params,
    paramsByPart: { stem, stages, classifier },
    nonTrainable,
    multiplyAdds,
    batch,
    activationBytes: activationFloatsPerImage(plan) * batch * 4,
    weightBytes: 3 * (params + nonTrainable) * 4,
    // Every block offers a branch of B layers: the longest path takes all of them, conv0 and FC
    // (read off the polynomial it would be lost to rescaling past ~1e558 paths).
    actualDepth: plan.blocks.reduce((n, b) => n + b.layersPerBranch, 2),
    plainDepth: conv + 2,
    blocksPerStage: spec.stages.map((s) => s.blocks.length),
    tableL,
    sectionL,
    paths,
  };
}

/**
 * Exact path counts as bigints (slower than `analyzeNetwork`; for the CLI and tests).
 * Index i of the result is the number of paths of length i.
 */
export function exactPathCounts(
  spec: NetworkSpec,
  options: { projections?: boolean } = {},
): bigint[] {
  const plan = planNetwork(spec);
  const projections = options.projections ?? false;
  let maxLen = 2;
  for (const b of plan.blocks) maxLen += Math.max(b.layersPerBranch, 1);
  const zero = () => new Array<bigint>(maxLen + 1).fill(0n);
  const add = (t: bigint[], s: bigint[], shift: number, f = 1n) => {
    for (let i = 0; i + shift < t.length; i++)
      t[i + shift] = (t[i + shift] as bigint) + f * (s[i] as bigint);
  };
  const sum = (xs: bigint[][]) => {
    const o = zero();
    for (const x of xs) add(o, x, 0);
    return o;
  };
  let streams = plan.stems.map(() => {
    const p = zero();
    p[1] = 1n;
    return p;
  });
  for (const block of plan.blocks) {
    streams = adaptStreams(streams, block.inputStreams, sum);
    const B = block.layersPerBranch;
    const skip = projections && block.projections.length > 0 ? 1 : 0;
    if (block.kind === 'residual' || block.kind === 'inception') {
      const x = streams[0] as bigint[];
      const o = zero();
      add(o, x, skip);
      add(o, x, B, BigInt(block.k));
      streams = [o];
    } else if (block.kind === 'identity') {
      streams = streams.map((x) => {
        const o = zero();
        add(o, x, skip);
        add(o, x, B);
        return o;
      });
    } else {
      const merged = zero();
      for (const x of streams) add(merged, x, skip);
      if (block.fuse) {
        for (const x of streams) add(merged, x, B);
        streams = [merged];
      } else {
        streams = streams.map((x) => {
          const o = merged.slice();
          add(o, x, B);
          return o;
        });
      }
    }
  }
  const out = zero();
  for (const x of streams) add(out, x, 1);
  return out;
}
