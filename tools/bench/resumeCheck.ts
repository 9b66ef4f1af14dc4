/**
 * Exact resume and determinism of the trainer's step on WebGPU, without the page: the fused
 * step as src/train/trainingRun.ts takes it (the builder's seeded network, step.ts's optimizer
 * slots, augmentation drawn per step from the seed, the paper's schedule, kernels compiled ahead
 * before a load's first step), run three ways on the same seeded images:
 * - straight: `steps` steps;
 * - again: the same, after the start-up calibration (train/calibrate.ts) ran in between;
 * - resumed: `at` steps, a checkpoint taken as the trainer takes it in the background (a copy
 *   on the device, read back after the next step was queued), everything unloaded, a fresh
 *   network loaded from the checkpoint's arrays, then the remaining steps.
 * Every step's loss and the final weights must be bit-identical across the three.
 */
import * as tf from '@tensorflow/tfjs';
import { buildNetwork } from '../../src/model/builder';
import type { NamedVariable } from '../../src/model/network';
import { tinyClassroom } from '../../src/model/presets';
import { createRng, mixSeed } from '../../src/model/random';
import { PAPER_SCHEDULE, learningRateAt } from '../../src/model/schedule';
import { augmentAndNormalize, drawAugmentation, imagesToTensor } from '../../src/train/augment';
import { measureDevice } from '../../src/train/calibrate';
import {
  disposeFusedTrainer,
  fusedTrainStep,
  prepareFusedTrainStep,
} from '../../src/train/fused/step';
import { createOptimizerSlots, PAPER_SGD, type OptimizerSlots } from '../../src/train/step';
import { checkpointCopy } from '../../src/train/trainingRun';

const SEED = 7;
const BATCH = 8;
const MEAN = [125.3, 123.0, 113.9];
const STD = [63.0, 62.1, 66.7];

export interface ResumeRun {
  name: string;
  /** Loss of every step, in order. */
  losses: number[];
  /** FNV-1a of the bits of every weight, running average and momentum at the end. */
  checksum: string;
  /** The final state's values, for locating a difference. */
  state: Float32Array[];
}

export interface ResumeReport {
  steps: number;
  at: number;
  runs: { name: string; losses: number[]; checksum: string }[];
  /** Per run after the first: the first step whose loss differs, the tensors that differ. */
  differences: { name: string; firstStep: number | null; tensors: string[] }[];
  /** The checkpoint's values against a read taken before any later step was queued. */
  snapshotMatchesItsStep: boolean;
}

interface Loaded {
  net: ReturnType<typeof buildNetwork>;
  slots: OptimizerSlots;
}

function load(): Loaded {
  const net = buildNetwork(tinyClassroom({ width: 4 }), { seed: SEED });
  return { net, slots: createOptimizerSlots(net.trainable) };
}

function unload(l: Loaded): void {
  disposeFusedTrainer(l.slots);
  l.net.dispose();
  l.slots.dispose();
}

const allVars = (l: Loaded): NamedVariable[] => [
  ...l.net.trainable,
  ...l.net.nonTrainable,
  ...l.slots.velocities,
];

function batchOf(step: number): { pixels: Uint8Array; labels: Int32Array } {
  const rng = createRng(mixSeed(SEED, step, 0xda7a));
  return {
    pixels: Uint8Array.from({ length: BATCH * 32 * 32 * 3 }, () => rng.int(256)),
    labels: Int32Array.from({ length: BATCH }, () => rng.int(10)),
  };
}

/** Steps `from`..`to`-1 as TrainingRun.trainOneStep takes them; losses read at the end. */
async function train(l: Loaded, from: number, to: number, total: number): Promise<number[]> {
  const losses: tf.Scalar[] = [];
  for (let step = from; step < to; step++) {
    const d = batchOf(step);
    const augment = drawAugmentation(createRng(mixSeed(SEED, step, 0xa06)), BATCH, 4);
    const raw = imagesToTensor(d.pixels, BATCH, 32, 32, 3);
    const labels = tf.tensor1d(d.labels, 'int32');
    const x = augmentAndNormalize(raw, augment, MEAN, STD);
    await prepareFusedTrainStep(l.net, l.slots, x, labels, PAPER_SGD);
    const lr = learningRateAt(PAPER_SCHEDULE, step, total, null);
    const out = fusedTrainStep(l.net, l.slots, x, labels, lr, PAPER_SGD);
    losses.push(out.loss);
    tf.dispose([raw, labels, x, out.correct]);
  }
  const values = await Promise.all(losses.map(async (t) => (await t.data())[0]!));
  tf.dispose(losses);
  return values;
}

async function readAll(vars: NamedVariable[]): Promise<Float32Array[]> {
  return Promise.all(vars.map(async (v) => (await v.variable.data()) as Float32Array));
}

function checksum(state: Float32Array[]): string {
  let h = 0x811c9dc5;
  for (const a of state) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

async function finish(name: string, l: Loaded, losses: number[]): Promise<ResumeRun> {
  const state = await readAll(allVars(l));
  return { name, losses, checksum: checksum(state), state };
}

export async function runResumeCheck(
  progress: (message: string) => void,
  steps = 10,
  at = 6,
): Promise<ResumeReport> {
  progress('straight');
  let l = load();
  const straight = await finish('straight', l, await train(l, 0, steps, steps));
  unload(l);

  progress('calibration, then straight again');
  await measureDevice();
  l = load();
  const again = await finish('again', l, await train(l, 0, steps, steps));
  unload(l);

  progress(`state at step ${at}`);
  l = load();
  await train(l, 0, at, steps);
  const atStep = await readAll(allVars(l));
  unload(l);

  progress(`resumed at step ${at}`);
  l = load();
  const first = await train(l, 0, at, steps);
  // The trainer's background checkpoint: a device copy of every variable at this step, read
  // back once the window's loss is in, while the run goes on.
  const vars = allVars(l);
  const copies = vars.map((v) => checkpointCopy(v.variable));
  await train(l, at, at + 1, steps);
  const saved = await Promise.all(copies.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(copies);
  const snapshotMatchesItsStep = saved.every((a, i) => sameBits(a, atStep[i]!));
  unload(l);
  l = load();
  allVars(l).forEach((v, i) =>
    tf.tidy(() => v.variable.assign(tf.tensor(saved[i]!, v.variable.shape))),
  );
  const resumed = await finish('resumed', l, [...first, ...(await train(l, at, steps, steps))]);
  unload(l);

  const names = vars.map((v) => v.name);
  const runs = [straight, again, resumed];
  return {
    steps,
    at,
    runs: runs.map(({ name, losses, checksum }) => ({ name, losses, checksum })),
    differences: runs.slice(1).map((r) => {
      const i = r.losses.findIndex((loss, s) => !Object.is(loss, straight.losses[s]));
      return {
        name: r.name,
        firstStep: i < 0 ? null : i + 1,
        tensors: names.filter((_, k) => !sameBits(r.state[k]!, straight.state[k]!)),
      };
    }),
    snapshotMatchesItsStep,
  };
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.every((v, i) => v === y[i]);
}
