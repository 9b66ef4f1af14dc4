/**
 * Networks of the paper (Tables 2, 3 and 5) and a tiny classroom network.
 *
 * Convention (Table 2, authors' code): plain depth 2L + 2; ResNet has L/3 residual blocks per
 * stage, DILNet and DMRNet L/6 two-branch blocks per stage, widths 16, 32, 64 (x widen).
 * With K > 2 branches the block count stays L/6 per stage: K widens like the width does.
 */
import type { BlockSpec, NetworkSpec, StageSpec } from './spec';

export type PaperArch = 'resnet' | 'dilnet' | 'dmrnet' | 'identity';

export interface PaperOptions {
  arch: PaperArch;
  /** Table 2's L: plain depth 2L + 2. */
  L: number;
  /** Width multiplier (DMRNet-Wide: 4). Default 1. */
  widen?: number;
  /** Branches (dilnet) or streams (dmrnet, identity). Default 2; ignored for resnet. */
  K?: number;
  /** 10 (CIFAR-10, SVHN) or 100 (CIFAR-100). Default 10. */
  classes?: number;
  /**
   * Table 5: "full" shares conv0 and the FC between the streams, "none" gives each stream its
   * own (logits averaged). Identity and dmrnet only; default "full". A DMRNet without sharing
   * keeps K streams to the end (no fused last block), each with its own classifier.
   */
  sharing?: 'full' | 'none';
}

export interface PaperPreset {
  id: string;
  label: string;
  table: 2 | 3 | 5;
  options: PaperOptions;
}

const ARCH_LABEL: Record<PaperArch, string> = {
  resnet: 'ResNet',
  dilnet: 'DILNet',
  dmrnet: 'DMRNet',
  identity: 'Identity',
};

export const MAX_PAPER_L = 600;

/** Human-readable problems with the options, or [] when they describe a valid network. */
export function paperOptionErrors(options: PaperOptions): string[] {
  const errors: string[] = [];
  const { arch, L } = options;
  if (!(arch in ARCH_LABEL)) {
    errors.push(`arch must be one of resnet, dilnet, dmrnet, identity (got "${String(arch)}")`);
    return errors;
  }
  if (!Number.isInteger(L) || L < 1) {
    errors.push(`L must be a positive whole number (got ${String(L)})`);
  } else if (arch === 'resnet' && L % 3 !== 0) {
    errors.push(`L must be a multiple of 3 for ResNets (L/3 blocks per stage), got ${L}`);
  } else if (arch !== 'resnet' && L % 6 !== 0) {
    errors.push(
      `L must be a multiple of 6 for two-branch networks (L/6 blocks per stage), got ${L}`,
    );
  } else if (L > MAX_PAPER_L) {
    errors.push(`L must be at most ${MAX_PAPER_L}, got ${L}`);
  }
  const widen = options.widen ?? 1;
  if (!Number.isInteger(widen) || widen < 1 || widen > 16) {
    errors.push(`widen must be a whole number between 1 and 16 (got ${String(widen)})`);
  }
  const K = options.K ?? 2;
  if (arch !== 'resnet' && (!Number.isInteger(K) || K < 2 || K > 8)) {
    errors.push(`K (branches) must be a whole number between 2 and 8 (got ${String(K)})`);
  }
  const classes = options.classes ?? 10;
  if (!Number.isInteger(classes) || classes < 2 || classes > 1000) {
    errors.push(`classes must be a whole number between 2 and 1000 (got ${String(classes)})`);
  }
  const sharing = options.sharing ?? 'full';
  if (sharing !== 'full' && sharing !== 'none') {
    errors.push(`sharing must be "full" or "none" (got "${String(sharing)}")`);
  } else if (sharing === 'none' && (arch === 'resnet' || arch === 'dilnet')) {
    errors.push(
      `sharing "none" (Table 5) needs several streams: use it with identity or dmrnet, not ${arch}`,
    );
  }
  return errors;
}

export function paperName(options: PaperOptions): string {
  const widen = options.widen ?? 1;
  const K = options.K ?? 2;
  const actualDepth = options.arch === 'resnet' ? 2 * options.L + 2 : options.L + 2;
  const parts = [`${ARCH_LABEL[options.arch]}${widen > 1 ? `-Wide x${widen}` : ''}`];
  parts.push(`L=${options.L}`);
  if (options.arch !== 'resnet' && K !== 2) parts.push(`K=${K}`);
  if (options.arch === 'identity' || options.arch === 'dmrnet') {
    if (options.sharing === 'none') parts.push('w/o sharing');
  }
  return `${parts.join(' ')} (depth ${actualDepth})`;
}

/** Build the spec, or return the errors (no throw). */
export function tryFromPaper(
  options: PaperOptions,
): { ok: true; spec: NetworkSpec } | { ok: false; errors: string[] } {
  const errors = paperOptionErrors(options);
  if (errors.length > 0) return { ok: false, errors };
  const { arch, L } = options;
  const K = arch === 'resnet' ? 1 : (options.K ?? 2);
  const sharing = arch === 'identity' || arch === 'dmrnet' ? (options.sharing ?? 'full') : 'full';
  const perStage = arch === 'resnet' ? L / 3 : L / 6;
  const widths = [16, 32, 64];
  const stages: StageSpec[] = widths.map((width, s) => {
    const blocks: BlockSpec[] = [];
    for (let b = 0; b < perStage; b++) {
      const last = s === widths.length - 1 && b === perStage - 1;
      switch (arch) {
        case 'resnet':
          blocks.push({ kind: 'residual', branches: 1, layersPerBranch: 2 });
          break;
        case 'dilnet':
          blocks.push({ kind: 'inception', branches: K, layersPerBranch: 2 });
          break;
        case 'identity':
          blocks.push({ kind: 'identity', branches: K, layersPerBranch: 2 });
          break;
        case 'dmrnet':
          // Authors' code (cross.py): the last block fuses the streams before pooling.
          blocks.push(
            last && sharing === 'full'
              ? { kind: 'mergeAndRun', branches: K, layersPerBranch: 2, fuse: true }
              : { kind: 'mergeAndRun', branches: K, layersPerBranch: 2 },
          );
          break;
      }
    }
    return { width, stride: s === 0 ? 1 : 2, blocks };
  });
  return {
    ok: true,
    spec: {
      version: 1,
      name: paperName(options),
      input: { height: 32, width: 32, channels: 3 },
      classes: options.classes ?? 10,
      stemWidth: 16,
      widen: options.widen ?? 1,
      stages,
      sharing,
    },
  };
}

/** The spec of a paper configuration; throws an Error with the messages when it is invalid. */
export function fromPaper(options: PaperOptions): NetworkSpec {
  const result = tryFromPaper(options);
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.spec;
}

function preset(table: 2 | 3 | 5, options: PaperOptions, label?: string): PaperPreset {
  const sharingTag = options.sharing
    ? `-${options.sharing === 'none' ? 'nosharing' : 'sharing'}`
    : '';
  const widenTag = (options.widen ?? 1) > 1 ? `-wide${options.widen}` : '';
  return {
    id: `t${table}-${options.arch}${widenTag}-L${options.L}${sharingTag}`,
    label: label ?? paperName(options),
    table,
    options,
  };
}

/** Every configuration of Tables 2, 3 and 5 (CIFAR-10 head; set `classes: 100` for CIFAR-100). */
export const PAPER_PRESETS: readonly PaperPreset[] = [
  ...[12, 18, 24, 30, 36, 48, 54, 96].flatMap((L) =>
    (['resnet', 'dilnet', 'dmrnet'] as const).map((arch) => preset(2, { arch, L })),
  ),
  preset(3, { arch: 'dmrnet', L: 54 }, 'DMRNet, depth 56 (L=54, 1.7M)'),
  preset(3, { arch: 'dmrnet', L: 30, widen: 4 }, 'DMRNet-Wide, depth 32 (L=30, 14.9M)'),
  preset(
    3,
    { arch: 'dmrnet', L: 48, widen: 4 },
    'DMRNet-Wide, depth 50 (L=48; 24.2M built, the paper prints 24.8M)',
  ),
  ...[48, 96].flatMap((L) =>
    (['full', 'none'] as const).flatMap((sharing) =>
      (['identity', 'dmrnet'] as const).map((arch) => preset(5, { arch, L, sharing })),
    ),
  ),
];

/**
 * A tiny merge-and-run network that trains in seconds, even on a software GPU: one two-stream
 * block per stage, widths 8, 16, 32 (or `width`, 2 width, 4 width), last block fused.
 */
export function tinyClassroom(options: { width?: number; classes?: number } = {}): NetworkSpec {
  const w = options.width ?? 8;
  const block = (fuse: boolean): BlockSpec =>
    fuse
      ? { kind: 'mergeAndRun', branches: 2, layersPerBranch: 2, fuse: true }
      : { kind: 'mergeAndRun', branches: 2, layersPerBranch: 2 };
  return {
    version: 1,
    name: `Classroom DMRNet (width ${w}, 1 block per stage)`,
    input: { height: 32, width: 32, channels: 3 },
    classes: options.classes ?? 10,
    stemWidth: w,
    widen: 1,
    stages: [
      { width: w, stride: 1, blocks: [block(false)] },
      { width: 2 * w, stride: 2, blocks: [block(false)] },
      { width: 4 * w, stride: 2, blocks: [block(true)] },
    ],
    sharing: 'full',
  };
}
