import { describe, expect, it } from 'vitest';
import { alternatingHugeSpec } from './testing/hugeSpec';
import { analyzeNetwork, exactPathCounts } from './analysis';
import { convBnLayers, planNetwork } from './plan';
import { fromPaper, type PaperArch } from './presets';
import type { NetworkSpec } from './spec';

/**
 * Parameters derived by hand from the structure (spec note, authors' code), independently of
 * the plan: conv3x3 without bias + BN (gamma, beta); a 1x1 projection + BN per stream where
 * the width changes; the FC with bias.
 */
function derivedParams(arch: PaperArch, L: number, widen = 1, K = 2, classes = 10): number {
  const w = 16 * widen;
  const convBn = (k: number, cin: number, cout: number) => k * k * cin * cout + 2 * cout;
  const blocks = arch === 'resnet' ? L / 3 : L / 6;
  const branches = arch === 'resnet' ? 1 : K;
  const projections = arch === 'resnet' || arch === 'dilnet' ? 1 : K;
  let total = convBn(3, 3, w);
  let cin = w;
  for (const c of [w, 2 * w, 4 * w]) {
    total += branches * (convBn(3, cin, c) + convBn(3, c, c));
    if (cin !== c) total += projections * convBn(1, cin, c);
    total += (blocks - 1) * branches * 2 * convBn(3, c, c);
    cin = c;
  }
  return total + 4 * w * classes + classes;
}

/** The reference table of the spec note (CIFAR-10 head). */
const NOTE: Record<number, [number, number, number]> = {
  12: [369_690, 346_650, 349_402],
  24: [758_554, 735_514, 738_266],
  54: [1_730_714, 1_707_674, 1_710_426],
  96: [3_091_738, 3_068_698, 3_071_450],
};

const binomial = (n: number, k: number): number => {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
};

describe('parameter counts (Table 2, Table 3)', () => {
  const archs = ['resnet', 'dilnet', 'dmrnet'] as const;
  it.each([12, 18, 24, 30, 36, 48, 54, 96])('L = %i matches the derivation and the note', (L) => {
    archs.forEach((arch, i) => {
      const got = analyzeNetwork(fromPaper({ arch, L })).params;
      expect(got, arch).toBe(derivedParams(arch, L));
      const known = NOTE[L];
      if (known) expect(got, `${arch} note`).toBe(known[i]);
    });
  });

  it('DMRNet-Wide: L = 30 gives 14,851,402; L = 48 gives 24,151,882 (paper prints 24.8M)', () => {
    expect(analyzeNetwork(fromPaper({ arch: 'dmrnet', L: 30, widen: 4 })).params).toBe(14_851_402);
    expect(analyzeNetwork(fromPaper({ arch: 'dmrnet', L: 48, widen: 4 })).params).toBe(24_151_882);
  });

  it('K > 2 and CIFAR-100 follow the same derivation', () => {
    for (const K of [3, 4]) {
      expect(analyzeNetwork(fromPaper({ arch: 'dmrnet', L: 24, K })).params).toBe(
        derivedParams('dmrnet', 24, 1, K),
      );
      expect(analyzeNetwork(fromPaper({ arch: 'dilnet', L: 24, K })).params).toBe(
        derivedParams('dilnet', 24, 1, K),
      );
    }
    expect(analyzeNetwork(fromPaper({ arch: 'dmrnet', L: 12, classes: 100 })).params).toBe(
      derivedParams('dmrnet', 12, 1, 2, 100),
    );
  });

  it('Table 5: identity nets share conv0 and the FC or not', () => {
    for (const L of [48, 96]) {
      const dmr = analyzeNetwork(fromPaper({ arch: 'dmrnet', L })).params;
      const shared = analyzeNetwork(fromPaper({ arch: 'identity', L, sharing: 'full' })).params;
      const separate = analyzeNetwork(fromPaper({ arch: 'identity', L, sharing: 'none' })).params;
      // Same blocks as the DMRNet (one projection per stream); without sharing one more conv0
      // (3x3x3x16 + 32) and one more FC (64x10 + 10).
      expect(shared).toBe(dmr);
      expect(separate - shared).toBe(464 + 650);
      expect(analyzeNetwork(fromPaper({ arch: 'dmrnet', L, sharing: 'none' })).params).toBe(
        separate,
      );
    }
  });

  it('splits parameters by part', () => {
    const a = analyzeNetwork(fromPaper({ arch: 'dmrnet', L: 12 }));
    expect(a.paramsByPart.stem).toBe(464);
    expect(a.paramsByPart.classifier).toBe(650);
    expect(a.paramsByPart.stages[1]?.projections).toBe(2 * (16 * 32 + 64));
    const sum =
      a.paramsByPart.stem +
      a.paramsByPart.classifier +
      a.paramsByPart.stages.reduce((s, p) => s + p.branches + p.projections, 0);
    expect(sum).toBe(a.params);
  });
});

describe('depth conventions', () => {
  it('actual depth L + 2 (two-branch) or 2L + 2 (ResNet), plain depth 2L + 2 for all', () => {
    for (const L of [12, 54, 96]) {
      const r = analyzeNetwork(fromPaper({ arch: 'resnet', L }));
      const d = analyzeNetwork(fromPaper({ arch: 'dilnet', L }));
      const m = analyzeNetwork(fromPaper({ arch: 'dmrnet', L }));
      expect([r.actualDepth, d.actualDepth, m.actualDepth]).toEqual([2 * L + 2, L + 2, L + 2]);
      expect([r.plainDepth, d.plainDepth, m.plainDepth]).toEqual([2 * L + 2, 2 * L + 2, 2 * L + 2]);
      expect([r.tableL, d.tableL, m.tableL]).toEqual([L, L, L]);
      // Section 3.2: ResNet, DILNet, DMRNet contain 2L', L', L' blocks with L' = L / 2.
      expect([r.sectionL, d.sectionL, m.sectionL]).toEqual([L / 2, L / 2, L / 2]);
    }
  });
});

describe('path-length distributions (Section 3.2, Figure 3)', () => {
  const B = 2;
  it('ResNet: Binomial(N, 1/2) branches, mean BL + 2', () => {
    const L = 24;
    const a = analyzeNetwork(fromPaper({ arch: 'resnet', L }));
    const N = L; // L/3 x 3 blocks
    const p = a.paths.withoutProjections;
    expect(p.lengths).toEqual(Array.from({ length: N + 1 }, (_, i) => 2 + B * i));
    p.counts.forEach((c, i) => expect(c).toBe(binomial(N, i)));
    p.probabilities.forEach((q, i) => expect(q).toBeCloseTo(binomial(N, i) / 2 ** N, 14));
    expect(p.mean).toBeCloseTo((B * N) / 2 + 2, 12);
    expect(p.std).toBeCloseTo(B * Math.sqrt(N / 4), 12);
    expect(a.paths.paperMean).toBeCloseTo(B * (L / 2) + 2, 12);
    expect(a.paths.explanation).toBe('');
  });

  it('DILNet: Binomial(N, 2/3) branches, mean 2B/3 L + 2', () => {
    const L = 36;
    const N = L / 2;
    const a = analyzeNetwork(fromPaper({ arch: 'dilnet', L }));
    const p = a.paths.withoutProjections;
    p.counts.forEach((c, i) => expect(c).toBe(binomial(N, i) * 2 ** i));
    p.probabilities.forEach((q, i) =>
      expect(q).toBeCloseTo(binomial(N, i) * (2 / 3) ** i * (1 / 3) ** (N - i), 14),
    );
    expect(p.mean).toBeCloseTo(((2 * B) / 3) * N + 2, 12);
    expect(a.paths.paperMean).toBeCloseTo(p.mean, 12);
  });

  it.each([2, 3, 4])(
    'DMRNet K = %i: Binomial(N-1, 1/(K+1)) plus one branch with probability 1/2 (fused last block)',
    (K) => {
      const L = 48;
      const N = L / 2;
      const a = analyzeNetwork(fromPaper({ arch: 'dmrnet', L, K }));
      const p = a.paths.withoutProjections;
      const q = 1 / (K + 1);
      const expected = (i: number) =>
        0.5 * (i <= N - 1 ? binomial(N - 1, i) * q ** i * (1 - q) ** (N - 1 - i) : 0) +
        0.5 * (i >= 1 ? binomial(N - 1, i - 1) * q ** (i - 1) * (1 - q) ** (N - i) : 0);
      expect(p.lengths).toEqual(Array.from({ length: N + 1 }, (_, i) => 2 + B * i));
      p.probabilities.forEach((x, i) => expect(x).toBeCloseTo(expected(i), 14));
      // Exact integers: K x^2 (K + x^B)^(N-1) (1 + x^B), K stream copies of conv0's output.
      const exact = exactPathCounts(fromPaper({ arch: 'dmrnet', L, K }));
      const kb = BigInt(K);
      const choose = (n: number, k: number): bigint => {
        let r = 1n;
        for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
        return r;
      };
      for (let i = 0; i <= N; i++) {
        let c = 0n;
        for (const b of [0, 1]) {
          const j = i - b;
          if (j >= 0 && j <= N - 1) c += choose(N - 1, j) * kb ** BigInt(N - 1 - j);
        }
        expect(exact[2 + B * i]).toBe(kb * c);
      }
      // The paper's closed form B/(K+1) N + 2; the fused block adds B/2 - B/(K+1) more.
      expect(a.paths.paperMean).toBeCloseTo((B / (K + 1)) * N + 2, 12);
      expect(p.mean - a.paths.paperMean).toBeCloseTo(B / 2 - B / (K + 1), 12);
      if (K === 2) expect(p.mean - a.paths.paperMean).toBeCloseTo(B / 6, 12);
      expect(a.paths.explanation).toMatch(/fuses the streams/);
    },
  );

  it('Table 5 identity nets: K copies of a ResNet path set, with or without sharing', () => {
    for (const sharing of ['full', 'none'] as const) {
      const a = analyzeNetwork(fromPaper({ arch: 'identity', L: 48, sharing }));
      const N = 24;
      const p = a.paths.withoutProjections;
      p.counts.forEach((c, i) => expect(c).toBe(2 * binomial(N, i)));
      expect(p.mean).toBeCloseTo(N + 2, 12);
    }
  });

  it('counting projections lengthens the shortcut paths of the projection blocks by one', () => {
    const a = analyzeNetwork(fromPaper({ arch: 'resnet', L: 12 }));
    const w = a.paths.withProjections;
    // Two projection blocks: each path skips them with probability 1/2, +1 each time.
    expect(w.mean - a.paths.withoutProjections.mean).toBeCloseTo(1, 12);
    expect(w.total).toBe(a.paths.withoutProjections.total);
    const exact = exactPathCounts(fromPaper({ arch: 'resnet', L: 12 }), { projections: true });
    exact.forEach((c, len) => {
      const i = w.lengths.indexOf(len);
      expect(c).toBe(i >= 0 ? BigInt(w.counts[i] as number) : 0n);
    });
  });

  it('counts huge path sets in floating point (ResNet L=96 has 2^96 paths)', () => {
    const a = analyzeNetwork(fromPaper({ arch: 'resnet', L: 96 }));
    expect(a.paths.withoutProjections.total / 2 ** 96).toBeCloseTo(1, 12);
    const exact = exactPathCounts(fromPaper({ arch: 'resnet', L: 96 }));
    expect(exact.reduce((s, c) => s + c, 0n)).toBe(2n ** 96n);
  });

  it('handles a hand-made spec that changes stream counts (K -> 1 averages, 1 -> K copies)', () => {
    const spec: NetworkSpec = {
      version: 1,
      name: 'mixed',
      input: { height: 8, width: 8, channels: 3 },
      classes: 10,
      stemWidth: 4,
      widen: 1,
      sharing: 'full',
      stages: [
        {
          width: 4,
          stride: 1,
          blocks: [
            { kind: 'mergeAndRun', branches: 2, layersPerBranch: 2 },
            { kind: 'residual', branches: 1, layersPerBranch: 2 },
          ],
        },
      ],
    };
    const a = analyzeNetwork(spec);
    // x (2 streams) -> (2 + x^2) per stream -> summed 2(2 + x^2) -> (1 + x^2) -> FC.
    // = x^2 * 2 (2 + x^2)(1 + x^2) = 4x^2 + 6x^4 + 2x^6
    expect(a.paths.withoutProjections.lengths).toEqual([2, 4, 6]);
    expect(a.paths.withoutProjections.counts).toEqual([4, 6, 2]);
    expect(a.actualDepth).toBe(6);
    // Here the closed form happens to agree: 2 + 2/3 + 1.
    expect(a.paths.withoutProjections.mean).toBeCloseTo(a.paths.paperMean, 12);
  });
});

describe('cost estimates', () => {
  it('multiply-adds and memory grow with the network', () => {
    const small = analyzeNetwork(fromPaper({ arch: 'dmrnet', L: 12 }), { batch: 64 });
    const big = analyzeNetwork(fromPaper({ arch: 'dmrnet', L: 24 }), { batch: 64 });
    const half = analyzeNetwork(fromPaper({ arch: 'dmrnet', L: 12 }), { batch: 32 });
    // conv0 on 32x32: 32*32*16*27 multiply-adds, plus the FC 64*10.
    expect(small.multiplyAdds).toBeGreaterThan(32 * 32 * 16 * 27 + 640);
    expect(big.multiplyAdds).toBeGreaterThan(small.multiplyAdds);
    expect(half.activationBytes * 2).toBe(small.activationBytes);
    // ResNet L = 12: 369,690 parameters (Table 2), of them 2,016 BN gammas and betas (conv0 16,
    // 24 branch BNs of 16, 32, 64 channels and two projection BNs of 32 and 64, times 2), so as
    // many running means and variances; weights, gradients and momentum: 3 floats of 4 bytes.
    const resnet = analyzeNetwork(fromPaper({ arch: 'resnet', L: 12 }), { batch: 64 });
    expect(resnet.params).toBe(369_690);
    expect(resnet.nonTrainable).toBe(2_016);
    expect(resnet.weightBytes).toBe(3 * (369_690 + 2_016) * 4);
  });
});

describe('path counts past the floating-point range', () => {
  it('stay finite in mean, std and probabilities for 5 x 200 blocks of K = 8 (~1e954 paths)', () => {
    const a = analyzeNetwork(alternatingHugeSpec('huge'));
    const d = a.paths.withoutProjections;
    expect(a.params).toBe(704_145);
    expect(a.actualDepth).toBe(8002);
    expect(d.total).toBe(Infinity);
    expect(d.log10Total).toBeGreaterThan(900);
    expect(Number.isFinite(d.mean) && Number.isFinite(d.std)).toBe(true);
    expect(d.probabilities.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 9);
    expect(Number.isFinite(a.paths.withProjections.mean)).toBe(true);
    // Every block sees equal streams here, so the paper's per-block means add up exactly:
    // B/(K+1) per merge-and-run block, KB/(K+1) per inception-like block, through 4 rescalings.
    expect(d.mean).toBeCloseTo(a.paths.paperMean, 6);
    expect(a.paths.explanation).toBe('');
  });

  it('match the exact bigint counts where no rescaling happens', () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 24, K: 3 });
    const d = analyzeNetwork(spec).paths.withoutProjections;
    const exact = exactPathCounts(spec);
    const total = exact.reduce((s, c) => s + c, 0n);
    expect(d.log10Total).toBeCloseTo(Math.log10(Number(total)), 9);
  });
});

/** Hand-made networks that exercise every rule of the walk. */
const MIXED: NetworkSpec[] = [
  {
    version: 1,
    name: 'every kind, odd sizes',
    input: { height: 7, width: 5, channels: 2 },
    classes: 3,
    stemWidth: 3,
    widen: 2,
    sharing: 'full',
    stages: [
      {
        width: 3,
        stride: 1,
        blocks: [
          { kind: 'residual', branches: 1, layersPerBranch: 1 },
          { kind: 'mergeAndRun', branches: 2, layersPerBranch: 3 },
          { kind: 'mergeAndRun', branches: 4, layersPerBranch: 2 },
        ],
      },
      {
        width: 5,
        stride: 2,
        blocks: [
          { kind: 'identity', branches: 3, layersPerBranch: 2 },
          { kind: 'inception', branches: 3, layersPerBranch: 3 },
          { kind: 'mergeAndRun', branches: 2, layersPerBranch: 1, fuse: true },
        ],
      },
      {
        width: 6,
        stride: 2,
        blocks: [{ kind: 'residual', branches: 1, layersPerBranch: 4 }],
      },
    ],
  },
  {
    version: 1,
    name: 'sharing none, fused',
    input: { height: 9, width: 9, channels: 3 },
    classes: 4,
    stemWidth: 2,
    widen: 1,
    sharing: 'none',
    stages: [
      {
        width: 2,
        stride: 1,
        blocks: [
          { kind: 'identity', branches: 3, layersPerBranch: 2 },
          { kind: 'mergeAndRun', branches: 3, layersPerBranch: 2 },
        ],
      },
      {
        width: 4,
        stride: 2,
        blocks: [
          { kind: 'mergeAndRun', branches: 3, layersPerBranch: 2 },
          { kind: 'mergeAndRun', branches: 3, layersPerBranch: 2, fuse: true },
        ],
      },
    ],
  },
  fromPaper({ arch: 'dmrnet', L: 12, K: 3, sharing: 'none' }),
  fromPaper({ arch: 'dilnet', L: 24, widen: 2 }),
];

describe('the analysis of shapes agrees with the plan of named layers', () => {
  it.each(MIXED.map((s) => [s.name, s] as const))(
    '%s: parameters, BN statistics, multiply-adds, memory and depth',
    (_, spec) => {
      // The reference sums the plan's layers one by one (what the builder creates).
      const plan = planNetwork(spec);
      const layers = convBnLayers(plan);
      const area = (s: { height: number; width: number }) => s.height * s.width;
      let params = 0;
      let nonTrainable = 0;
      let macs = 0;
      let floats = area(spec.input) * spec.input.channels;
      for (const l of layers) {
        params += l.kernel * l.kernel * l.inChannels * l.outChannels + 2 * l.outChannels;
        nonTrainable += 2 * l.outChannels;
        macs += area(l.outSize) * l.outChannels * l.inChannels * l.kernel * l.kernel;
        floats += area(l.outSize) * l.outChannels * (l.relu ? 3 : 2);
      }
      for (const b of plan.blocks) {
        const map = area(b.outSize) * b.outChannels;
        floats +=
          b.kind === 'mergeAndRun' ? map * (1 + 2 * b.outputStreams) : map * 2 * b.outputStreams;
      }
      for (const fc of plan.classifiers) {
        params += fc.inFeatures * fc.classes + fc.classes;
        macs += fc.inFeatures * fc.classes;
      }
      floats += plan.finalChannels * plan.classifiers.length + spec.classes * 2;
      const a = analyzeNetwork(spec, { batch: 3 });
      expect(a.params).toBe(params);
      expect(a.nonTrainable).toBe(nonTrainable);
      expect(a.multiplyAdds).toBe(macs);
      expect(a.activationBytes).toBe(floats * 3 * 4);
      // Plain depth: every branch layer (not the projections), conv0 and the FC.
      const branchLayers = plan.blocks.reduce((n, b) => n + b.branches.flat().length, 0);
      expect(a.plainDepth).toBe(branchLayers + 2);
    },
  );

  it.each(MIXED.map((s) => [s.name, s] as const))(
    '%s: path counts with and without projections equal the exact bigint counts',
    (_, spec) => {
      for (const projections of [false, true]) {
        const exact = exactPathCounts(spec, { projections });
        const lengths: number[] = [];
        const counts: number[] = [];
        exact.forEach((c, i) => {
          if (c > 0n) {
            lengths.push(i);
            counts.push(Number(c));
          }
        });
        const d =
          analyzeNetwork(spec).paths[projections ? 'withProjections' : 'withoutProjections'];
        expect(d.lengths).toEqual(lengths);
        expect(d.counts).toEqual(counts);
      }
    },
  );
});
