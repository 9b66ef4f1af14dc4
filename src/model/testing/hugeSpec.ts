import type { NetworkSpec } from '../spec';

/**
 * Issue 19's hostile share link: 5 stages of 200 blocks alternating merge-and-run and
 * inception-like, K = 8 branches of 8 layers, width 1 (704,145 parameters, within the schema's
 * limits), which defeats the drawing's "x n" collapsing of identical runs. Shared by the
 * analysis test, the huge-graph e2e and `npm run bench:graph`.
 */
export function alternatingHugeSpec(name = 'alternating 5 x 200'): NetworkSpec {
  return {
    version: 1,
    name,
    input: { height: 32, width: 32, channels: 3 },
    classes: 10,
    stemWidth: 1,
    widen: 1,
    sharing: 'full',
    stages: Array.from({ length: 5 }, (_, s) => ({
      width: 1,
      stride: s === 0 ? 1 : 2,
      blocks: Array.from({ length: 200 }, (_, i) => ({
        kind: i % 2 === 0 ? ('mergeAndRun' as const) : ('inception' as const),
        branches: 8,
        layersPerBranch: 8,
      })),
    })),
  };
}
