/**
 * The network plan: one walk over a NetworkSpec that fixes every layer's name, shape, stride and
 * feature-map size. The builder (tfjs variables), the analysis (parameters, multiply-adds,
 * memory, paths) and the weight-name list all read this one plan, so they cannot disagree.
 *
 * Weight naming scheme (checkpoints and the PyTorch export rely on it; change only with a
 * migration). Stages are numbered from 1 (as the paper's "stage 2 and 3"), blocks, streams,
 * branches and layers from 0:
 *
 *   conv0.conv.weight                              stem conv (shared); with sharing "none":
 *   conv0.stream{k}.conv.weight                    one stem per stream
 *   stage{s}.block{b}.branch.conv{l}.weight        residual block (one branch)
 *   stage{s}.block{b}.branch{j}.conv{l}.weight     inception-like block, branch j of K
 *   stage{s}.block{b}.proj.conv.weight             their 1x1 projection shortcut
 *   stage{s}.block{b}.stream{k}.branch.conv{l}.weight   merge-and-run / identity, stream k
 *   stage{s}.block{b}.stream{k}.proj.conv.weight        its projection (one per stream)
 *   fc.weight, fc.bias                             classifier; with sharing "none":
 *   fc.stream{k}.weight, fc.stream{k}.bias
 *
 * Every conv is followed by a BN whose name replaces `conv` by `bn` (`branch.bn{l}`,
 * `proj.bn`, `conv0.bn`), with trainable `.gamma`, `.beta` and non-trainable `.runningMean`,
 * `.runningVar`. Conv kernels are HWIO ([kh, kw, in, out], tfjs layout; PyTorch is OIHW) and
 * have no bias; fc.weight is [in, classes] (PyTorch Linear is [classes, in]).
 */
import type { BlockKind, NetworkSpec } from './spec';

export interface Size {
  height: number;
  width: number;
}

/** Conv (no bias) -> BN, optionally -> ReLU: the paper's basic layer (ReLU) or a branch end. */
export interface ConvBnPlan {
  /** Conv name prefix, e.g. "stage2.block0.stream1.branch.conv0"; weight is `${conv}.weight`. */
  conv: string;
  /** BN name prefix, e.g. "stage2.block0.stream1.branch.bn0". */
  bn: string;
  kernel: 1 | 3;
  stride: 1 | 2;
  inChannels: number;
  outChannels: number;
  inSize: Size;
  outSize: Size;
  relu: boolean;
}

/** A block's place and shapes, without its layers (what the analysis needs). */
export interface BlockShape {
  /** 1-based stage, 0-based block within the stage. */
  stage: number;
  index: number;
  /** Position of the block in the whole network (0-based). */
  position: number;
  kind: BlockKind;
  /** K: branches or streams. */
  k: number;
  layersPerBranch: number;
  fuse: boolean;
  /** Stride of the block's first layers (the stage's stride on its first block, else 1). */
  stride: 1 | 2;
  /** Streams the block reads (1 for residual and inception, K otherwise). */
  inputStreams: number;
  /** Streams the block writes (1 for residual, inception and a fused merge-and-run block). */
  outputStreams: number;
  inChannels: number;
  outChannels: number;
  inSize: Size;
  outSize: Size;
  /** Number of 1x1 projection shortcuts: 0 (identity shortcut), 1 or K (one per stream). */
  projectionCount: number;
}

export interface BlockPlan extends BlockShape {
  /** residual: 1 branch; inception: K branches on one stream; mergeAndRun/identity: one per stream. */
  branches: ConvBnPlan[][];
  /** Empty: identity shortcut. Else 1 (residual, inception) or K (one per stream). */
  projections: ConvBnPlan[];
}

export interface ClassifierPlan {
  weight: string;
  bias: string;
  inFeatures: number;
  classes: number;
}

/** The walk's result without the blocks' layers: shapes only, about 1/60 of the objects. */
export interface NetworkShape {
  spec: NetworkSpec;
  /** 1 shared stem, or one per stream (sharing "none"). */
  stems: ConvBnPlan[];
  blocks: BlockShape[];
  /** Streams leaving the last block: averaged before pooling when sharing is "full". */
  finalStreams: number;
  /** 1 shared classifier, or one per stream whose logits are averaged (sharing "none"). */
  classifiers: ClassifierPlan[];
  finalChannels: number;
  finalSize: Size;
}

export interface NetworkPlan extends NetworkShape {
  blocks: BlockPlan[];
}

export function streamsIn(kind: BlockKind, k: number): number {
  return kind === 'mergeAndRun' || kind === 'identity' ? k : 1;
}

export function streamsOut(kind: BlockKind, k: number, fuse: boolean): number {
  if (kind === 'mergeAndRun') return fuse ? 1 : k;
  return kind === 'identity' ? k : 1;
}

function convSize(size: Size, stride: 1 | 2): Size {
  // 3x3 with zero pad 1 and 1x1 with pad 0 both give ceil(n / stride).
  return { height: Math.ceil(size.height / stride), width: Math.ceil(size.width / stride) };
}

function convBn(
  conv: string,
  bn: string,
  kernel: 1 | 3,
  stride: 1 | 2,
  inChannels: number,
  outChannels: number,
  inSize: Size,
  relu: boolean,
): ConvBnPlan {
  return {
    conv,
    bn,
    kernel,
    stride,
    inChannels,
    outChannels,
    inSize,
    outSize: convSize(inSize, stride),
    relu,
  };
}

/** A residual branch H: (conv3x3-BN-ReLU) x (B-1), then conv3x3-BN without ReLU. */
function branch(
  prefix: string,
  layers: number,
  stride: 1 | 2,
  inChannels: number,
  outChannels: number,
  inSize: Size,
): ConvBnPlan[] {
  const out: ConvBnPlan[] = [];
  let size = inSize;
  let channels = inChannels;
  for (let l = 0; l < layers; l++) {
    const s = l === 0 ? stride : 1;
    const layer = convBn(
      `${prefix}.conv${l}`,
      `${prefix}.bn${l}`,
      3,
      s,
      channels,
      outChannels,
      size,
      l < layers - 1,
    );
    out.push(layer);
    size = layer.outSize;
    channels = outChannels;
  }
  return out;
}

/**
 * Walk the spec for its shapes: stems, every block's channels, sizes, streams and projections,
 * classifiers. Assumes a spec that passed `validateSpec` (positive sizes, known kinds); it never
 * throws on shapes, so the analysis can run on every slider move. `planNetwork` adds the layers.
 */
export function planShape(spec: NetworkSpec): NetworkShape {
  const stemChannels = spec.stemWidth * spec.widen;
  const inSize: Size = { height: spec.input.height, width: spec.input.width };
  const perStream = spec.sharing === 'none';
  const firstBlock = spec.stages[0]?.blocks[0];
  const stemCount = perStream && firstBlock ? streamsIn(firstBlock.kind, firstBlock.branches) : 1;
  const stems: ConvBnPlan[] = [];
  for (let k = 0; k < stemCount; k++) {
    const p = perStream ? `conv0.stream${k}` : 'conv0';
    stems.push(
      convBn(`${p}.conv`, `${p}.bn`, 3, 1, spec.input.channels, stemChannels, inSize, true),
    );
  }
  let channels = stemChannels;
  let size = inSize;
  let streams = stemCount;
  let position = 0;
  const blocks: BlockShape[] = [];
  spec.stages.forEach((stage, si) => {
    const s = si + 1;
    const outChannels = stage.width * spec.widen;
    stage.blocks.forEach((block, b) => {
      const stride: 1 | 2 = b === 0 ? stage.stride : 1;
      const k = block.kind === 'residual' ? 1 : block.branches;
      const fuse = block.kind === 'mergeAndRun' && block.fuse === true;
      const needsProjection = stride !== 1 || channels !== outChannels;
      // residual and inception: one projection on the one stream; otherwise one per stream.
      const perBlock = block.kind === 'residual' || block.kind === 'inception' ? 1 : k;
      const outSize = convSize(size, stride);
      blocks.push({
        stage: s,
        index: b,
        position: position++,
        kind: block.kind,
        k,
        layersPerBranch: block.layersPerBranch,
        fuse,
        stride,
        inputStreams: streamsIn(block.kind, k),
        outputStreams: streamsOut(block.kind, k, fuse),
        inChannels: channels,
        outChannels,
        inSize: size,
        outSize,
        projectionCount: needsProjection ? perBlock : 0,
      });
      channels = outChannels;
      size = outSize;
      streams = streamsOut(block.kind, k, fuse);
    });
  });
  const classifiers: ClassifierPlan[] = [];
  const classifierCount = perStream ? streams : 1;
  for (let k = 0; k < classifierCount; k++) {
    const p = perStream ? `fc.stream${k}` : 'fc';
    classifiers.push({
      weight: `${p}.weight`,
      bias: `${p}.bias`,
      inFeatures: channels,
      classes: spec.classes,
    });
  }
  return {
    spec,
    stems,
    blocks,
    finalStreams: streams,
    classifiers,
    finalChannels: channels,
    finalSize: size,
  };
}

/** The layers of one block: its branches and its projection shortcuts, named. */
function blockLayers(block: BlockShape): Pick<BlockPlan, 'branches' | 'projections'> {
  const { stride, inChannels, outChannels, inSize, k, layersPerBranch } = block;
  const prefix = `stage${block.stage}.block${block.index}`;
  const branches: ConvBnPlan[][] = [];
  const projections: ConvBnPlan[] = [];
  const proj = (p: string): ConvBnPlan =>
    convBn(`${p}.proj.conv`, `${p}.proj.bn`, 1, stride, inChannels, outChannels, inSize, false);
  const needsProjection = block.projectionCount > 0;
  if (block.kind === 'residual') {
    branches.push(
      branch(`${prefix}.branch`, layersPerBranch, stride, inChannels, outChannels, inSize),
    );
    if (needsProjection) projections.push(proj(prefix));
  } else if (block.kind === 'inception') {
    for (let j = 0; j < k; j++) {
      branches.push(
        branch(`${prefix}.branch${j}`, layersPerBranch, stride, inChannels, outChannels, inSize),
      );
    }
    if (needsProjection) projections.push(proj(prefix));
  } else {
    for (let j = 0; j < k; j++) {
      const p = `${prefix}.stream${j}`;
      branches.push(
        branch(`${p}.branch`, layersPerBranch, stride, inChannels, outChannels, inSize),
      );
      if (needsProjection) projections.push(proj(p));
    }
  }
  return { branches, projections };
}

/** The whole plan: the shapes of `planShape` and every block's named layers. */
export function planNetwork(spec: NetworkSpec): NetworkPlan {
  const shape = planShape(spec);
  return { ...shape, blocks: shape.blocks.map((b) => ({ ...b, ...blockLayers(b) })) };
}

/** Every conv-BN layer of the plan in weight order: stems, then blocks (branches, projections). */
export function convBnLayers(plan: NetworkPlan): ConvBnPlan[] {
  const out: ConvBnPlan[] = [...plan.stems];
  for (const block of plan.blocks) {
    // Order within a block: for streams, stream k's branch then its projection.
    if (block.kind === 'mergeAndRun' || block.kind === 'identity') {
      block.branches.forEach((layers, k) => {
        out.push(...layers);
        const p = block.projections[k];
        if (p) out.push(p);
      });
    } else {
      for (const layers of block.branches) out.push(...layers);
      out.push(...block.projections);
    }
  }
  return out;
}

export interface WeightInfo {
  name: string;
  shape: number[];
  trainable: boolean;
  /** What the weight is, for the PyTorch export's mapping. */
  role: 'conv' | 'bnGamma' | 'bnBeta' | 'bnRunningMean' | 'bnRunningVar' | 'fcWeight' | 'fcBias';
}

/**
 * Every weight of the network in the builder's order (trainable and non-trainable interleaved
 * as they are created: conv, gamma, beta, runningMean, runningVar per layer; then the fc).
 * `buildNetwork` creates exactly these, with these names and shapes.
 */
export function weightNames(spec: NetworkSpec): WeightInfo[] {
  const plan = planNetwork(spec);
  const out: WeightInfo[] = [];
  for (const layer of convBnLayers(plan)) {
    out.push({
      name: `${layer.conv}.weight`,
      shape: [layer.kernel, layer.kernel, layer.inChannels, layer.outChannels],
      trainable: true,
      role: 'conv',
    });
    const c = [layer.outChannels];
    out.push({ name: `${layer.bn}.gamma`, shape: c, trainable: true, role: 'bnGamma' });
    out.push({ name: `${layer.bn}.beta`, shape: c, trainable: true, role: 'bnBeta' });
    out.push({
      name: `${layer.bn}.runningMean`,
      shape: c,
      trainable: false,
      role: 'bnRunningMean',
    });
    out.push({ name: `${layer.bn}.runningVar`, shape: c, trainable: false, role: 'bnRunningVar' });
  }
  for (const fc of plan.classifiers) {
    out.push({
      name: fc.weight,
      shape: [fc.inFeatures, fc.classes],
      trainable: true,
      role: 'fcWeight',
    });
    out.push({ name: fc.bias, shape: [fc.classes], trainable: true, role: 'fcBias' });
  }
  return out;
}
