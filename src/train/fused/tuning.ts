/**
 * Per-adapter tuning of the convolution forward (issue 16, item 2): for every convolution
 * shape of a network, time our kernel in each layout (workgroup size x output channels per
 * invocation, ./conv.ts's `forwardVariants`) and tfjs's conv2d on the adapter in use, and keep
 * the fastest for that shape. Which kernel wins depends on the adapter: on a software adapter
 * tfjs's tiled kernels lose to ours (their workgroup barriers are expensive there); on a
 * hardware GPU they may win for wide layers. Only the forward is tuned so far; the backward
 * keeps its one layout.
 *
 * Timing: each candidate is compiled ahead (all in parallel), run once to warm up, then `reps`
 * times, each followed by a wait for the queue, so a candidate's time is its GPU time plus one
 * submit (the same overhead for every candidate).
 */
import * as tf from '@tensorflow/tfjs';
import { convBnLayers, planNetwork } from '../../model/plan';
import type { NetworkSpec } from '../../model/spec';
import {
  chooseForward,
  convForward,
  convShape,
  forwardVariants,
  keyOf,
  type ConvShape,
  type ForwardVariant,
} from './conv';
import { compileAhead, deviceOf, submitPending } from './runtime';

export interface KernelChoice {
  /** e.g. "8x32x32x16 k3 co16 s1". */
  shape: string;
  candidates: { name: string; ms: number }[];
  choice: string;
}

/** The distinct convolution shapes of `spec` at `batch`, in network order. */
export function convShapesOf(spec: NetworkSpec, batch: number): ConvShape[] {
  const shapes = new Map<string, ConvShape>();
  for (const l of convBnLayers(planNetwork(spec))) {
    const s = convShape(
      [batch, l.inSize.height, l.inSize.width, l.inChannels],
      [l.kernel, l.kernel, l.inChannels, l.outChannels],
      l.stride,
      l.kernel === 3 ? 1 : 0,
    );
    shapes.set(keyOf(s), s);
  }
  return [...shapes.values()];
}

const nameOf = (v: ForwardVariant | 'tfjs') =>
  v === 'tfjs' ? 'tfjs' : `ours wg${v.wg} t${v.tile}`;

export const describeShape = (s: ConvShape) =>
  `${s.n}x${s.h}x${s.w}x${s.ci} k${s.k} co${s.co} s${s.stride}`;

async function queueIdle(): Promise<void> {
  submitPending();
  await deviceOf().queue.onSubmittedWorkDone();
}

/**
 * Times every forward candidate of every conv shape of `spec` at `batch` and makes the
 * fastest the one used from then on (./conv.ts's `chooseForward`). WebGPU only.
 */
export async function tuneConvForward(
  spec: NetworkSpec,
  batch: number,
  reps = 3,
  onProgress?: (message: string) => void,
): Promise<KernelChoice[]> {
  const shapes = convShapesOf(spec, batch);
  const inputs = shapes.map((s) => ({
    s,
    x: tf.randomNormal([s.n, s.h, s.w, s.ci]) as tf.Tensor4D,
    f: tf.randomNormal([s.k, s.k, s.ci, s.co]) as tf.Tensor4D,
    candidates: [...forwardVariants(s), 'tfjs' as const],
  }));
  try {
    onProgress?.('compiling the candidates');
    await compileAhead(() => {
      for (const { s, x, f, candidates } of inputs) {
        for (const v of candidates) convForward(x, f, s, v).dispose();
      }
    });
    const choices: KernelChoice[] = [];
    for (const { s, x, f, candidates } of inputs) {
      onProgress?.(`timing ${describeShape(s)}`);
      const timed: { v: ForwardVariant | 'tfjs'; ms: number }[] = [];
      for (const v of candidates) {
        convForward(x, f, s, v).dispose();
        await queueIdle();
        const t0 = performance.now();
        for (let r = 0; r < reps; r++) {
          convForward(x, f, s, v).dispose();
          await queueIdle();
        }
        timed.push({ v, ms: (performance.now() - t0) / reps });
      }
      const best = timed.reduce((a, b) => (b.ms < a.ms ? b : a));
      chooseForward(s, best.v);
      choices.push({
        shape: describeShape(s),
        candidates: timed.map((t) => ({ name: nameOf(t.v), ms: Math.round(t.ms * 100) / 100 })),
        choice: nameOf(best.v),
      });
    }
    return choices;
  } finally {
    for (const { x, f } of inputs) tf.dispose([x, f]);
  }
}
