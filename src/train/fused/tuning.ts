/**
 * Per-adapter tuning of the convolutions (issue 16, item 2): for every convolution shape of a
 * network, time each pass (forward; backward = input gradient and filter gradient's first
 * pass in one launch) in each layout of ours (workgroup size x channels per invocation,
 * ./conv.ts's `forwardVariants` / `backwardVariants`) and, for the forward, tfjs's conv2d, on
 * the adapter in use, and keep the fastest. Which wins depends on the adapter: on a software
 * adapter tfjs's tiled kernels lose to ours (their workgroup barriers are expensive there); on
 * a hardware GPU they may win for wide layers.
 *
 * Determinism: a candidate may be chosen only if its results are bit-identical to the untuned
 * layout's on the same inputs, read back and compared here on the adapter itself. Our layouts
 * sum in the same order whatever their workgroup size or tile (by construction), so they
 * qualify unless a compiler contracts differently; tfjs's conv2d sums in another order and is
 * timed and listed, not chosen. So a run's numbers for a seed do not depend on which layout
 * won, or on when the background tuner switched to it.
 *
 * Timing: each candidate is compiled ahead (all in parallel), run once to warm up, then `reps`
 * times, each followed by a wait for the queue, so a candidate's time is its GPU time plus one
 * submit (the same overhead for every candidate). A candidate whose first timed run is over
 * SLOW_CUT times the best so far is not repeated (tfjs's conv2d takes seconds on SwiftShader).
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelChoice, KernelPass, TimedCandidate } from '../../model/kernelChoices';
import { convBnLayers, planNetwork } from '../../model/plan';
import type { NetworkSpec } from '../../model/spec';
import {
  backwardVariants,
  chooseBackward,
  chooseForward,
  convBackward,
  convForward,
  convShape,
  defaultBackward,
  defaultForward,
  forwardVariants,
  keyOf,
  type BackwardVariant,
  type ConvShape,
  type ForwardVariant,
} from './conv';
import { compileAhead, deviceOf, submitPending } from './runtime';

export type { KernelChoice } from '../../model/kernelChoices';

/**
 * The version of our conv kernels' WGSL, part of the cache's adapter key: bump it whenever
 * conv.ts's kernels change, so choices timed on older kernels are timed again.
 */
export const KERNELS_VERSION = 3;

const SLOW_CUT = 4;

/** A conv shape of a network, and whether any of its convs computes an input gradient. */
export interface NetworkConvShape {
  shape: ConvShape;
  inputGrad: boolean;
}

/** The distinct convolution shapes of `spec` at `batch`, in network order. */
export function convShapesOf(spec: NetworkSpec, batch: number): ConvShape[] {
  return networkConvShapes(spec, batch).map((s) => s.shape);
}

export function networkConvShapes(spec: NetworkSpec, batch: number): NetworkConvShape[] {
  const shapes = new Map<string, NetworkConvShape>();
  convBnLayers(planNetwork(spec)).forEach((l, i) => {
    const s = convShape(
      [batch, l.inSize.height, l.inSize.width, l.inChannels],
      [l.kernel, l.kernel, l.inChannels, l.outChannels],
      l.stride,
      l.kernel === 3 ? 1 : 0,
    );
    // The stem (the first conv, on the image) computes no input gradient (./forward.ts).
    const inputGrad = i > 0 || (shapes.get(keyOf(s))?.inputGrad ?? false);
    shapes.set(keyOf(s), { shape: s, inputGrad });
  });
  return [...shapes.values()];
}

export type Candidate = ForwardVariant | BackwardVariant | 'tfjs';

const isBackward = (v: Candidate): v is BackwardVariant => v !== 'tfjs' && 'dwCi' in v;

/** E.g. "ours wg64 t8" (forward), "ours wg64 t8 dw4x8" (backward: filter-gradient block). */
export const candidateName = (v: Candidate): string =>
  v === 'tfjs'
    ? 'tfjs'
    : `ours wg${v.wg} t${v.tile} p${v.pix}${isBackward(v) ? ` dw${v.dwCi}x${v.dwCo}` : ''}`;

export const describeShape = (s: ConvShape) =>
  `${s.n}x${s.h}x${s.w}x${s.ci} k${s.k} co${s.co} s${s.stride}`;

/** The candidates of one pass of `s`, the untuned layout first (the bit-identity reference). */
export function candidatesOf(s: ConvShape, pass: KernelPass): Candidate[] {
  const first = pass === 'forward' ? defaultForward(s) : defaultBackward(s);
  const rest = (pass === 'forward' ? forwardVariants(s) : backwardVariants(s)).filter(
    (v) => candidateName(v) !== candidateName(first),
  );
  return [first, ...rest, ...(pass === 'forward' ? ['tfjs' as const] : [])];
}

/** The candidate of `s`'s `pass` named `name`, or null (not one this version offers). */
export function candidateNamed(s: ConvShape, pass: KernelPass, name: string): Candidate | null {
  return candidatesOf(s, pass).find((c) => candidateName(c) === name) ?? null;
}

/** Makes `choice` the layout of `s`'s `pass` from now on (tfjs only for the forward). */
export function applyChoice(s: ConvShape, pass: KernelPass, choice: Candidate): void {
  if (pass === 'forward') chooseForward(s, choice);
  else if (isBackward(choice)) chooseBackward(s, choice);
}

async function queueIdle(): Promise<void> {
  submitPending();
  await deviceOf().queue.onSubmittedWorkDone();
}

/** The bits of `tensors`' values, concatenated (for a bit-for-bit comparison). */
async function bitsOf(tensors: tf.Tensor[]): Promise<Uint32Array[]> {
  const values = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>));
  return values.map((v) => new Uint32Array(v.buffer, v.byteOffset, v.length));
}

function sameBits(a: Uint32Array[], b: Uint32Array[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => x.length === b[i]!.length && x.every((v, j) => v === b[i]![j]))
  );
}

/** Deterministic inputs, so a tuning's numbers do not depend on anything random. */
function seeded(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

/**
 * The tuning of one pass of one shape: its inputs, its candidates, and the times measured so
 * far. `timeNext` times one candidate at a time, so a trainer can spread the work between
 * its steps; `result` is the choice once every candidate is timed.
 */
export class ShapeTuning {
  readonly candidates: Candidate[];
  readonly timed: TimedCandidate[] = [];
  private readonly x: tf.Tensor4D;
  private readonly f: tf.Tensor4D;
  private readonly dy: tf.Tensor4D | null;
  private reference: Uint32Array[] | null = null;
  private disposed = false;

  constructor(
    readonly shape: ConvShape,
    readonly pass: KernelPass,
    readonly inputGrad: boolean,
  ) {
    const s = shape;
    this.candidates = candidatesOf(s, pass);
    this.x = seeded([s.n, s.h, s.w, s.ci], 1);
    this.f = seeded([s.k, s.k, s.ci, s.co], 2);
    this.dy = pass === 'backward' ? seeded([s.n, s.oh, s.ow, s.co], 3) : null;
  }

  get done(): boolean {
    return this.timed.length === this.candidates.length;
  }

  /** Tensors this tuning holds (its inputs) until disposed: not a run's, so not a leak. */
  get tensorCount(): number {
    return this.disposed ? 0 : this.dy ? 3 : 2;
  }

  /** Runs `v` once; the outputs, for the caller to dispose. */
  private run(v: Candidate): tf.Tensor[] {
    if (this.pass === 'forward') return [convForward(this.x, this.f, this.shape, v)];
    if (!isBackward(v)) throw new Error(`${candidateName(v)} is no candidate of the backward`);
    const { dx, dw } = convBackward(this.x, this.dy!, this.f, this.shape, this.inputGrad, null, v);
    return dx ? [dx, dw] : [dw];
  }

  /**
   * Records every candidate once, for `compileAhead` (nothing runs). tfjs's conv2d only with
   * `withTfjs`: tfjs's programs compiled ahead are unusable until compiled (its cache holds
   * nothing for them meanwhile), and a conv2d shares programs with the step (a 1x1 conv is a
   * matMul, as the classifier is), so a step running during a background compilation would
   * find them missing. Left out, tfjs compiles its conv2d when it is first timed.
   */
  trace(withTfjs: boolean): void {
    for (const v of this.candidates) if (v !== 'tfjs' || withTfjs) tf.dispose(this.run(v));
  }

  /** Times the next candidate and checks its results against the untuned layout's. */
  async timeNext(reps: number): Promise<TimedCandidate> {
    if (this.disposed) throw new Error('this tuning was disposed');
    const v = this.candidates[this.timed.length]!;
    const warm = this.run(v);
    let bits: Uint32Array[];
    try {
      bits = await bitsOf(warm);
    } finally {
      tf.dispose(warm);
    }
    this.reference ??= bits; // the first candidate is the untuned layout
    await queueIdle();
    const best = Math.min(Infinity, ...this.timed.map((t) => t.ms));
    let total = 0;
    let runs = 0;
    for (; runs < reps; runs++) {
      const t0 = performance.now();
      tf.dispose(this.run(v));
      await queueIdle();
      total += performance.now() - t0;
      if (runs === 0 && total > SLOW_CUT * best) {
        runs = 1;
        break;
      }
    }
    const timed: TimedCandidate = {
      name: candidateName(v),
      ms: Math.round((total / runs) * 100) / 100,
      identical: sameBits(bits, this.reference),
    };
    this.timed.push(timed);
    return timed;
  }

  /** The fastest candidate with bit-identical results (the untuned layout at worst). */
  result(): { choice: KernelChoice; candidate: Candidate } {
    if (!this.done) throw new Error('not every candidate is timed yet');
    let best = 0;
    this.timed.forEach((t, i) => {
      if (t.identical && t.ms < this.timed[best]!.ms) best = i;
    });
    return {
      choice: {
        shape: describeShape(this.shape),
        pass: this.pass,
        candidates: [...this.timed],
        choice: this.timed[best]!.name,
      },
      candidate: this.candidates[best]!,
    };
  }

  dispose(): void {
    this.disposed = true;
    tf.dispose([this.x, this.f, ...(this.dy ? [this.dy] : [])]);
  }
}

/** One tuning per pass of each conv shape of `spec` at `batch`. */
export function tuningsOf(spec: NetworkSpec, batch: number): ShapeTuning[] {
  return networkConvShapes(spec, batch).flatMap(({ shape, inputGrad }) =>
    (['forward', 'backward'] as const).map((pass) => new ShapeTuning(shape, pass, inputGrad)),
  );
}

/**
 * Compiles every candidate of `tunings` ahead, in parallel (nothing runs); tfjs's conv2d too
 * only `withTfjs`, when nothing runs until the compilation is done (see `trace`).
 */
export async function compileCandidates(tunings: ShapeTuning[], withTfjs = false): Promise<void> {
  await compileAhead(() => {
    for (const t of tunings) t.trace(withTfjs);
  });
}

/**
 * Times every candidate of both passes of every conv shape of `spec` at `batch` and makes the
 * fastest bit-identical one the one used from then on. WebGPU only. (The bench's calibration;
 * the app tunes in the background between steps: src/train/kernelTuner.ts.)
 */
export async function tuneConvs(
  spec: NetworkSpec,
  batch: number,
  reps = 3,
  onProgress?: (message: string) => void,
): Promise<KernelChoice[]> {
  const tunings = tuningsOf(spec, batch);
  try {
    onProgress?.('compiling the candidates');
    await compileCandidates(tunings, true);
    const choices: KernelChoice[] = [];
    for (const t of tunings) {
      onProgress?.(`timing ${describeShape(t.shape)} ${t.pass}`);
      while (!t.done) await t.timeNext(reps);
      const { choice, candidate } = t.result();
      applyChoice(t.shape, t.pass, candidate);
      choices.push(choice);
    }
    return choices;
  } finally {
    for (const t of tunings) t.dispose();
  }
}
