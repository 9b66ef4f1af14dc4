import { describe, expect, it } from 'vitest';
import { convBnLayers, planNetwork } from '../../model/plan';
import { fromPaper } from '../../model/presets';
import { convShape, defaultBackward, defaultForward, forwardVariants } from './conv';
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
  it('offers only tiles that divide the output channels, at three workgroup sizes', () => {
    const six = forwardVariants(convShape([2, 7, 7, 6], [3, 3, 6, 6], 1, 1));
    expect(six.map((v) => v.tile).sort()).toEqual([1, 1, 1, 2, 2, 2]);
    const sixteen = forwardVariants(convShape([8, 32, 32, 16], [3, 3, 16, 16], 1, 1));
    expect(sixteen).toHaveLength(12);
    expect(new Set(sixteen.map((v) => v.wg))).toEqual(new Set([64, 128, 256]));
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
    expect(candidatesOf(s, 'forward')).toHaveLength(13);
    expect(candidatesOf(s, 'backward')).toHaveLength(12);
  });

  it('finds a stored name only among the layouts this version offers for the shape', () => {
    expect(candidateNamed(s, 'backward', 'ours wg128 t4')).toEqual({ wg: 128, tile: 4 });
    expect(candidateNamed(s, 'backward', 'tfjs')).toBeNull();
    // 6 output channels: no tile of 4 divides them.
    const six = convShape([2, 7, 7, 6], [3, 3, 6, 6], 1, 1);
    expect(candidateNamed(six, 'forward', 'ours wg64 t4')).toBeNull();
    expect(candidateNamed(six, 'forward', 'ours wg512 t2')).toBeNull();
  });
});
