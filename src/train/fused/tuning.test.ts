import { describe, expect, it } from 'vitest';
import { convBnLayers, planNetwork } from '../../model/plan';
import { fromPaper } from '../../model/presets';
import { convShape, forwardVariants } from './conv';
import { convShapesOf, describeShape } from './tuning';

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
