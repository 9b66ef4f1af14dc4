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
import {
  planNetwork,
  planShape,
  type BlockShape,
  type ConvBnPlan,
  type NetworkShape,
} from './plan';
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

/**
 * One block's conv-BN layers in sums, from its shapes (`planNetwork` spells the same layers
 * out one by one; analysis.test.ts checks that both agree). Each branch is B conv3x3-BN: the
 * first from inChannels with the block's stride, the others outChannels to outChannels, all
 * with ReLU but the last; a projection is one conv1x1-BN without ReLU.
 */
interface LayerSums {
  params: number;
  /** BN running means and variances. */
  nonTrainable: number;
  multiplyAdds: number;
  /** conv, BN and ReLU outputs a backward pass keeps, per image. */
  floats: number;
  convs: number;
}

function layerSums(
  kernel: number,
  inChannels: number,
  outChannels: number,
  outArea: number,
  relu: boolean,
): LayerSums {
  return {
    params: kernel * kernel * inChannels * outChannels + 2 * outChannels,
    nonTrainable: 2 * outChannels,
    multiplyAdds: outArea * outChannels * inChannels * kernel * kernel,
    floats: outArea * outChannels * (relu ? 3 : 2),
    convs: 1,
  };
}

function addSums(target: LayerSums, x: LayerSums, times = 1): void {
  target.params += x.params * times;
  target.nonTrainable += x.nonTrainable * times;
  target.multiplyAdds += x.multiplyAdds * times;
  target.floats += x.floats * times;
  target.convs += x.convs * times;
}

const emptySums = (): LayerSums => ({
  params: 0,
  nonTrainable: 0,
  multiplyAdds: 0,
  floats: 0,
  convs: 0,
});

const area = (s: { height: number; width: number }) => s.height * s.width;

/** All branches of a block (K of B layers, or 1 for residual) and its projections apart. */
function blockSums(block: BlockShape): { branches: LayerSums; projections: LayerSums } {
  const B = block.layersPerBranch;
  const outArea = area(block.outSize);
  const one = emptySums();
  addSums(one, layerSums(3, block.inChannels, block.outChannels, outArea, B > 1));
  if (B > 1) {
    addSums(one, layerSums(3, block.outChannels, block.outChannels, outArea, true), B - 2);
    addSums(one, layerSums(3, block.outChannels, block.outChannels, outArea, false));
  }
  const branches = emptySums();
  addSums(branches, one, block.k);
  const projections = emptySums();
  const proj = layerSums(1, block.inChannels, block.outChannels, outArea, false);
  addSums(projections, proj, block.projectionCount);
  return { branches, projections };
}

function stemSums(stems: readonly ConvBnPlan[]): LayerSums {
  const out = emptySums();
  for (const l of stems) {
    addSums(out, layerSums(l.kernel, l.inChannels, l.outChannels, area(l.outSize), l.relu));
  }
  return out;
}

/** Floats a training step stores per image outside the conv-BN layers: sums, merges, FC. */
function blockJoinFloats(block: BlockShape): number {
  const map = area(block.outSize) * block.outChannels;
  // merge-and-run: the merged mean m, then per output stream the sum and its ReLU.
  return block.kind === 'mergeAndRun'
    ? map * (1 + 2 * block.outputStreams)
    : map * 2 * block.outputStreams;
}

/** Adapt the number of streams between blocks: K -> 1 by averaging, 1 -> K by copying. */
function adaptStreams<T>(streams: T[], needed: number, sum: (xs: T[]) => T): T[] {
  if (streams.length === needed) return streams;
  const one = streams.length === 1 ? (streams[0] as T) : sum(streams);
  return Array.from({ length: needed }, () => one);
}

/** Streams past this many paths are scaled down (by RESCALE) so that counts stay finite. */
const RESCALE_ABOVE = 1e250;
const RESCALE_LOG10 = 250;

/**
 * Count paths by dynamic programming over blocks. A path chooses, in every block, one way
 * through it: a branch (B layers) or the shortcut (0 layers, 1 if `projections` and the
 * shortcut is a 1x1 projection). Merge-and-run (Eq. 3): stream i's output is reached from
 * stream i through H_i and from every stream j through the merge. The fused last block reaches
 * its single output from each stream through H_j or the merge.
 *
 * Every stream of a block holds the same counts: they start from one stem (or K stems alike,
 * sharing "none"), and every block treats its streams alike (`exactPathCounts` keeps them apart
 * and the tests compare). So one array and the number of streams describe them all, and a
 * block multiplies the counts by a two-term polynomial (a z^skip + b z^B), in place: 5 stages
 * x 200 blocks of K = 8 take about a millisecond. Counts past 1e250 (9^1000 paths is ~1e954)
 * are scaled down, and the polynomial comes with the base-10 exponent of the scale.
 */
function pathPolynomial(plan: NetworkShape, projections: boolean): Polynomial {
  // Every path length is conv0 + FC (2) plus whole branches (B layers each) and projections
  // (1 each, when counted): index i stands for length 2 + unit x i, unit the gcd of the
  // shifts. With B = 8 everywhere that is 8 times less to count.
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let unit = 0;
  let span = 0;
  for (const b of plan.blocks) {
    unit = gcd(Math.max(b.layersPerBranch, 1), unit);
    span += Math.max(b.layersPerBranch, 1);
    if (projections && b.projectionCount > 0) unit = 1;
  }
  unit = Math.max(unit, 1);
  const size = span / unit + 1;
  const poly = new Float64Array(size);
  // conv0: one layer, one stem per stream (sharing "none") or one shared; equal counts.
  poly[0] = 1;
  let streams = plan.stems.length;
  // The longest path so far: entries past it are zero.
  let reach = 0;
  let log10Scale = 0;
  // An upper bound of the largest count: the exact largest is looked up only past RESCALE.
  let bound = 1;
  for (const block of plan.blocks) {
    // K streams into one (residual, inception) or into K' others: their sum, copied.
    const m = streams === block.inputStreams || streams === 1 ? 1 : streams;
    const n = block.inputStreams;
    const B = Math.max(block.layersPerBranch, 1) / unit;
    const skip = projections && block.projectionCount > 0 ? 1 : 0;
    // The block's polynomial a z^skip + b z^B per stream it writes.
    let a: number;
    let b: number;
    if (block.kind === 'residual' || block.kind === 'inception') {
      a = m; // Eq. 1 / Eq. 2: the shortcut
      b = m * block.k; // one way per branch
    } else if (block.kind === 'identity') {
      a = m;
      b = m;
    } else {
      // Eq. 3: m = mean_j P_j(x_j) reaches every output stream, H_i only stream i; the fused
      // block sums H_j over the streams as well.
      a = n * m;
      b = block.fuse ? n * m : m;
    }
    const top = Math.min(reach + B, size - 1);
    // From the top down, so that every term reads counts the block has not written yet.
    // Entries past `reach` are still zero, so only the lower ends need bounds: loops with no
    // branch inside (this one runs ~500,000 times for issue 19's link, mostly before the JIT
    // has compiled it, so each step counts).
    let i = top;
    for (; i >= B; i--) poly[i] = a * poly[i - skip]! + b * poly[i - B]!;
    for (; i >= skip; i--) poly[i] = a * poly[i - skip]!;
    for (; i >= 0; i--) poly[i] = 0;
    reach = top;
    streams = block.outputStreams;
    bound *= a + b;
    if (bound > RESCALE_ABOVE) {
      let largest = 0;
      for (let i = 0; i <= reach; i++) largest = Math.max(largest, poly[i] as number);
      if (largest > RESCALE_ABOVE) {
        for (let i = 0; i <= reach; i++) poly[i]! /= 10 ** RESCALE_LOG10;
        log10Scale += RESCALE_LOG10;
        largest /= 10 ** RESCALE_LOG10;
      }
      bound = largest;
    }
  }
  // Average the streams (sharing "full") or one FC per stream: the FC layer is in the offset 2.
  for (let i = 0; i <= reach; i++) poly[i]! *= streams;
  return { poly, log10Scale, unit };
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
  for (let i = 0; i < poly.length; i++) {
    const c = poly[i] as number;
    if (c > 0) {
      lengths.push(2 + unit * i);
      scaled.push(c);
      scaledTotal += c;
    }
  }
  const probabilities = new Array<number>(scaled.length);
  let mean = 0;
  for (let i = 0; i < scaled.length; i++) {
    const p = (scaled[i] as number) / scaledTotal;
    probabilities[i] = p;
    mean += p * (lengths[i] as number);
  }
  let variance = 0;
  for (let i = 0; i < scaled.length; i++) {
    variance += (probabilities[i] as number) * ((lengths[i] as number) - mean) ** 2;
  }
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
function closedFormBlockMean(block: BlockShape): number {
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

function describeFamily(plan: NetworkShape): { family: string; formula: string } | null {
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

/** Everything of the analysis but the batch: `activationBytes` is floats x batch x 4. */
export interface NetworkAnalysisCore extends Omit<NetworkAnalysis, 'batch' | 'activationBytes'> {
  activationFloatsPerImage: number;
}

/** The analysis at a batch size, from the batch-free core (the paths are shared, not copied). */
export function atBatch(core: NetworkAnalysisCore, batch = 64): NetworkAnalysis {
  const { activationFloatsPerImage: floats, ...rest } = core;
  return { ...rest, batch, activationBytes: floats * batch * 4 };
}

export function analyzeNetwork(
  spec: NetworkSpec,
  options: { batch?: number } = {},
): NetworkAnalysis {
  return atBatch(analyzeNetworkCore(spec), options.batch ?? 64);
}

/**
 * The analysis without the batch. It walks the spec's shapes (`planShape`), not its 60,000
 * named layers (`planNetwork`) and sums each block's layers in closed form (`blockSums`), so
 * the 1,000 blocks of K = 8 of a hostile share link take milliseconds.
 */
export function analyzeNetworkCore(spec: NetworkSpec): NetworkAnalysisCore {
  const plan = planShape(spec);
  const stages: StageParams[] = spec.stages.map((_, i) => ({
    stage: i + 1,
    branches: 0,
    projections: 0,
  }));
  const stemPart = stemSums(plan.stems);
  const stem = stemPart.params;
  let nonTrainable = stemPart.nonTrainable;
  let multiplyAdds = stemPart.multiplyAdds;
  let floats = area(spec.input) * spec.input.channels + stemPart.floats;
  let conv = 0;
  for (const block of plan.blocks) {
    const st = stages[block.stage - 1] as StageParams;
    const { branches, projections } = blockSums(block);
    st.branches += branches.params;
    st.projections += projections.params;
    nonTrainable += branches.nonTrainable + projections.nonTrainable;
    multiplyAdds += branches.multiplyAdds + projections.multiplyAdds;
    floats += branches.floats + projections.floats + blockJoinFloats(block);
    conv += branches.convs;
  }
  let classifier = 0;
  for (const fc of plan.classifiers) {
    classifier += fc.inFeatures * fc.classes + fc.classes;
    multiplyAdds += fc.inFeatures * fc.classes;
  }
  floats += plan.finalChannels * plan.classifiers.length + spec.classes * 2;
  const params = stem + classifier + stages.reduce((a, s) => a + s.branches + s.projections, 0);

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
    activationFloatsPerImage: floats,
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
