/**
 * How a conv backward launch's time splits between its two jobs, and what each filter-gradient
 * layout costs (bench.html?mode=check&convBench=1, `npx tsx scripts/bench-conv.ts`): for every
 * conv shape of DMRNet L=12 at batch 8 and of the tiny preset at batch 16, the launch with both
 * jobs (input gradient + filter-gradient partials), with the filter gradient alone (the stem's
 * launch), and the filter gradient alone in each block `filterGradLayouts` offers. Each is run
 * once to warm up, then `reps` times, each submitted alone and waited for; the fastest run is
 * kept (the machine is shared: the minimum is the least disturbed). The input gradient's share
 * is the difference of the first two. The filter gradient's second pass (the sum of the
 * chunks) is left out: the launches' partial sums are dropped unsummed.
 */
import * as tf from '@tensorflow/tfjs';
import { convBnLayers, planNetwork } from '../../src/model/plan';
import { fromPaper, tinyClassroom } from '../../src/model/presets';
import {
  convBackward,
  defaultBackward,
  FilterGradBatch,
  filterGradChunks,
  filterGradLayouts,
  type BackwardVariant,
  type ConvShape,
} from '../../src/train/fused/conv';
import { deviceOf, submitPending } from '../../src/train/fused/runtime';
import { candidateName, describeShape, networkConvShapes } from '../../src/train/fused/tuning';

export interface ConvBenchShape {
  network: string;
  shape: string;
  /** How many convs of the network have this shape. */
  convs: number;
  chunks: number;
  /** The default layout's launch: both jobs, and the filter gradient alone (ms). */
  bothMs: number;
  dwOnlyMs: number;
  /** The filter gradient alone in each layout (ms), the default first. */
  dwLayouts: { name: string; ms: number }[];
}

async function timeMin(run: () => void, reps: number): Promise<number> {
  const device = deviceOf();
  run();
  submitPending();
  await device.queue.onSubmittedWorkDone();
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    run();
    submitPending();
    await device.queue.onSubmittedWorkDone();
    best = Math.min(best, performance.now() - t0);
  }
  return Math.round(best * 100) / 100;
}

async function benchShape(
  network: string,
  s: ConvShape,
  convs: number,
  reps: number,
): Promise<ConvBenchShape> {
  const x = tf.randomNormal([s.n, s.h, s.w, s.ci], 0, 1, 'float32', 1) as tf.Tensor4D;
  const f = tf.randomNormal([s.k, s.k, s.ci, s.co], 0, 1, 'float32', 2) as tf.Tensor4D;
  const dy = tf.randomNormal([s.n, s.oh, s.ow, s.co], 0, 1, 'float32', 3) as tf.Tensor4D;
  const launch = (inputGrad: boolean, v: BackwardVariant) => () => {
    // A batch that is never flushed: the partial sums are dropped, no second pass runs.
    const batch = new FilterGradBatch();
    const { dx, dw } = convBackward(x, dy, f, s, inputGrad, batch, v);
    tf.dispose([dw, ...(dx ? [dx] : [])]);
    batch.dispose();
  };
  const first = defaultBackward(s);
  const bothMs = await timeMin(launch(true, first), reps);
  const dwOnlyMs = await timeMin(launch(false, first), reps);
  const dwLayouts: { name: string; ms: number }[] = [];
  // The kernel before blocking owned 1 input x (widest tile) output channels: the reference.
  const before = { ci: 1, co: first.tile };
  for (const b of [before, ...filterGradLayouts(s)]) {
    for (const wg of [64, 256]) {
      const v = { ...first, wg, dwCi: b.ci, dwCo: b.co };
      dwLayouts.push({ name: candidateName(v), ms: await timeMin(launch(false, v), reps) });
    }
  }
  tf.dispose([x, f, dy]);
  return {
    network,
    shape: describeShape(s),
    convs,
    chunks: filterGradChunks(s).chunks,
    bothMs,
    dwOnlyMs,
    dwLayouts,
  };
}

export async function runConvBench(
  progress: (message: string) => void,
  reps = 5,
): Promise<ConvBenchShape[]> {
  const out: ConvBenchShape[] = [];
  for (const [network, spec, batch] of [
    ['L=12', fromPaper({ arch: 'dmrnet', L: 12 }), 8],
    ['tiny', tinyClassroom(), 16],
  ] as const) {
    const layers = convBnLayers(planNetwork(spec));
    for (const { shape } of networkConvShapes(spec, batch)) {
      // Convs of this shape: same channels, kernel and stride at the same input size.
      const convs = layers.filter(
        (l) =>
          l.inChannels === shape.ci &&
          l.outChannels === shape.co &&
          l.kernel === shape.k &&
          l.stride === shape.stride &&
          l.inSize.height === shape.h &&
          l.inSize.width === shape.w,
      ).length;
      progress(`${network} ${describeShape(shape)}`);
      out.push(await benchShape(network, shape, convs, reps));
    }
  }
  return out;
}
