import { describe, expect, it } from 'vitest';
import { convBnLayers, planNetwork } from '../../model/plan';
import { fromPaper } from '../../model/presets';
import {
  backwardVariants,
  convShape,
  defaultBackward,
  defaultFilterGradLayout,
  defaultForward,
  filterGradLayouts,
  forwardVariants,
} from './conv';
import {
  candidateName,
  candidateNamed,
  candidatesOf,
  convShapesOf,
  describeShape,
  networkConvShapes,
} from './tuning';

describe('convShapesOf', () => {
  it("lists each conv shape of the network once (a stage's blocks share theirs)", () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 12 });
    const shapes = convShapesOf(spec, 8).map(describeShape);
    expect(new Set(shapes).size).toBe(shapes.length);
    expect(convBnLayers(planNetwork(spec)).length).toBeGreaterThan(shapes.length);
    expect(shapes[0]).toBe('8x32x32x3 k3 co16 s1');
    // L=54 has the same shapes as L=12: more blocks, the same stages.
    expect(convShapesOf(fromPaper({ arch: 'dmrnet', L: 54 }), 8).map(describeShape)).toEqual(
      shapes,
    );
  });
});

describe('forwardVariants', () => {
  it('offers tiles that divide the output channels, pixel blocks that divide the width', () => {
    // 6 channels, width 7: no tile of 8 or 4, no block of 2 or 4 pixels.
    const six = forwardVariants(convShape([2, 7, 7, 6], [3, 3, 6, 6], 1, 1));
    expect(six).toEqual([
      { wg: 64, tile: 2, pix: 1 },
      { wg: 256, tile: 2, pix: 1 },
    ]);
    const sixteen = forwardVariants(convShape([8, 32, 32, 16], [3, 3, 16, 16], 1, 1));
    expect(sixteen).toHaveLength(8);
    expect(new Set(sixteen.map((v) => v.wg))).toEqual(new Set([64, 256]));
    expect(new Set(sixteen.map((v) => v.tile))).toEqual(new Set([8, 4]));
    expect(new Set(sixteen.map((v) => v.pix))).toEqual(new Set([2, 4]));
  });

  it('blocks 4 output pixels by default where they divide the width', () => {
    expect(defaultForward(convShape([8, 32, 32, 16], [3, 3, 16, 16], 1, 1)).pix).toBe(4);
    // Stride 2: 14 -> 7 output columns.
    expect(defaultForward(convShape([8, 14, 14, 16], [3, 3, 16, 16], 2, 1)).pix).toBe(1);
  });
});

describe('backwardVariants', () => {
  it("blocks input-gradient pixels only where each stride residue's columns divide", () => {
    const s1 = convShape([8, 32, 32, 16], [3, 3, 16, 16], 1, 1);
    expect(new Set(backwardVariants(s1).map((v) => v.pix))).toEqual(new Set([1, 2, 4]));
    expect(defaultBackward(s1).pix).toBe(4);
    // Stride 2 on width 12: 6 columns per residue, so blocks of 2, not 4.
    const s2 = convShape([8, 12, 12, 16], [3, 3, 16, 32], 2, 1);
    expect(new Set(backwardVariants(s2).map((v) => v.pix))).toEqual(new Set([1, 2]));
    expect(defaultBackward(s2).pix).toBe(2);
  });
});

describe('filterGradLayouts', () => {
  const blocks = (x: number[], k: number, co: number) =>
    filterGradLayouts(convShape(x, [k, k, x[3]!, co], 1, k === 3 ? 1 : 0)).map(
      (b) => `${b.ci}x${b.co}`,
    );

  it('starts with the default block, up to 8 input x 4 output channels that divide them', () => {
    expect(blocks([8, 32, 32, 16], 3, 16)).toEqual(['8x4', '4x8', '8x8', '1x8']);
    expect(blocks([8, 32, 32, 4], 3, 4)).toEqual(['4x4', '1x4']);
    // The stem's 3 input channels: blocks of 3.
    expect(blocks([8, 32, 32, 3], 3, 16)).toEqual(['3x4', '3x8', '1x8']);
    expect(blocks([2, 7, 7, 6], 3, 6)).toEqual(['3x2', '1x2']);
    expect(blocks([2, 9, 9, 5], 3, 7)).toEqual(['1x1']);
  });

  it('blocks divide the channels, so every weight has exactly one owner', () => {
    for (const [ci, co] of [
      [3, 16],
      [16, 32],
      [6, 6],
      [32, 64],
      [5, 7],
    ] as const) {
      const s = convShape([2, 8, 8, ci], [3, 3, ci, co], 1, 1);
      for (const b of filterGradLayouts(s)) {
        expect(ci % b.ci).toBe(0);
        expect(co % b.co).toBe(0);
      }
      expect(filterGradLayouts(s)[0]).toEqual(defaultFilterGradLayout(s));
    }
  });
});

describe('backwardVariants', () => {
  it("times the input gradient's layouts with the default block, the other blocks once", () => {
    const s = convShape([8, 32, 32, 16], [3, 3, 16, 16], 1, 1);
    const names = backwardVariants(s).map(candidateName);
    expect(names).toHaveLength(15);
    expect(names.filter((n) => n.endsWith(' dw8x4'))).toHaveLength(12);
    expect(names).toContain('ours wg64 t8 p4 dw4x8');
    expect(names).toContain('ours wg64 t8 p4 dw8x8');
    expect(names).toContain('ours wg64 t8 p4 dw1x8'); // the unblocked kernel's block
  });
});

describe('networkConvShapes', () => {
  it('marks only the stem as computing no input gradient', () => {
    const shapes = networkConvShapes(fromPaper({ arch: 'dmrnet', L: 12 }), 8);
    expect(shapes[0]!.inputGrad).toBe(false);
    expect(shapes.slice(1).every((s) => s.inputGrad)).toBe(true);
  });
});

describe('candidatesOf', () => {
  const s = convShape([8, 32, 32, 16], [3, 3, 16, 16], 1, 1);

  it('puts the untuned layout first (the bit-identity reference), each layout once', () => {
    for (const pass of ['forward', 'backward'] as const) {
      const names = candidatesOf(s, pass).map(candidateName);
      const first = pass === 'forward' ? defaultForward(s) : defaultBackward(s);
      expect(names[0]).toBe(candidateName(first));
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it("offers tfjs's conv2d for the forward only", () => {
    expect(candidatesOf(s, 'forward').map(candidateName)).toContain('tfjs');
    expect(candidatesOf(s, 'backward').map(candidateName)).not.toContain('tfjs');
    // The untuned forward (wg 256, tile 8, 4 pixels) is one of the 8 layouts; tfjs besides.
    expect(candidatesOf(s, 'forward')).toHaveLength(9);
    // 12 input-gradient layouts with the default filter-gradient block, 3 other blocks.
    expect(candidatesOf(s, 'backward')).toHaveLength(15);
  });

  it('finds a stored name only among the layouts this version offers for the shape', () => {
    expect(candidateNamed(s, 'backward', 'ours wg256 t4 p2 dw8x4')).toEqual({
      wg: 256,
      tile: 4,
      pix: 2,
      dwCi: 8,
      dwCo: 4,
    });
    // Names stored by earlier kernels (the cache is keyed by KERNELS_VERSION, but still).
    expect(candidateNamed(s, 'backward', 'ours wg64 t4')).toBeNull();
    expect(candidateNamed(s, 'backward', 'ours wg256 t4 p2')).toBeNull();
    expect(candidateNamed(s, 'forward', 'ours wg256 t4 p2 dw8x4')).toBeNull();
    expect(candidateNamed(s, 'backward', 'tfjs')).toBeNull();
    // 6 output channels: no tile of 4 divides them.
    const six = convShape([2, 7, 7, 6], [3, 3, 6, 6], 1, 1);
    expect(candidateNamed(six, 'forward', 'ours wg64 t4 p1')).toBeNull();
    expect(candidateNamed(six, 'forward', 'ours wg512 t2 p1')).toBeNull();
    expect(candidateNamed(six, 'forward', 'ours wg64 t2 p1')).toEqual({ wg: 64, tile: 2, pix: 1 });
  });
});
