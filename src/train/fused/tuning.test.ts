import { describe, expect, it } from 'vitest';
import { convBnLayers, planNetwork } from '../../model/plan';
import { fromPaper } from '../../model/presets';
import {
  backwardVariants,
  convShape,
  defaultBackward,
  defaultForward,
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
    expect(candidatesOf(s, 'backward')).toHaveLength(12);
  });

  it('finds a stored name only among the layouts this version offers for the shape', () => {
    expect(candidateNamed(s, 'backward', 'ours wg256 t4 p2')).toEqual({ wg: 256, tile: 4, pix: 2 });
    // A name from before pixel blocks (the cache is keyed by KERNELS_VERSION, but still).
    expect(candidateNamed(s, 'backward', 'ours wg64 t4')).toBeNull();
    expect(candidateNamed(s, 'backward', 'tfjs')).toBeNull();
    // 6 output channels: no tile of 4 divides them.
    const six = convShape([2, 7, 7, 6], [3, 3, 6, 6], 1, 1);
    expect(candidateNamed(six, 'forward', 'ours wg64 t4 p1')).toBeNull();
    expect(candidateNamed(six, 'forward', 'ours wg512 t2 p1')).toBeNull();
    expect(candidateNamed(six, 'forward', 'ours wg64 t2 p1')).toEqual({ wg: 64, tile: 2, pix: 1 });
  });
});
