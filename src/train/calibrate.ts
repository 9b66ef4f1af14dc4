/**
 * The start-up measurement of this device: real training steps of a tiny fixed network (the
 * classroom DMRNet, width CALIBRATION_WIDTH) on fixed random images, with the step the trainer
 * uses on this backend (fused on WebGPU). Timed apart: the kernel preparation (as a run
 * prepares them), the first step (its one-off costs), and the steady step at two batches, so
 * that the cost per multiply-add and the fixed cost per conv layer come apart.
 * model/trainingCost.ts turns them into the calibration; every run refines it later.
 */
import * as tf from '@tensorflow/tfjs';
import { buildNetwork } from '../model/builder';
import { tinyClassroom } from '../model/presets';
import {
  calibrationFrom,
  costFeatures,
  type CalibrationMeasurement,
  type DeviceMeasurement,
} from '../model/trainingCost';
import { disposeFusedTrainer, fusedTrainStep, prepareFusedTrainStep } from './fused/step';
import { createOptimizerSlots, PAPER_SGD, trainStep } from './step';

/**
 * Not a width any preset uses (the tiny classroom network is 4 or 8 wide): the kernels the
 * calibration compiles are then none of a run's, and a run's preparation time stays honest.
 */
export const CALIBRATION_WIDTH = 12;
/** The main batch, and a small one: the small step is mostly the per-layer cost. */
export const CALIBRATION_BATCH = 16;
export const CALIBRATION_SMALL_BATCH = 2;
/** Timed steps per batch after a first one (the median is kept: a busy machine spoils single steps). */
export const CALIBRATION_STEPS = 3;

export async function measureDevice(): Promise<DeviceMeasurement> {
  const spec = tinyClassroom({ width: CALIBRATION_WIDTH });
  const features = costFeatures(spec);
  const net = buildNetwork(spec, { seed: 7 });
  const slots = createOptimizerSlots(net.trainable);
  const batchOf = (n: number) => ({
    x: tf.randomNormal([n, 32, 32, 3], 0, 1, 'float32', 7) as tf.Tensor4D,
    labels: tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % spec.classes),
      'int32',
    ),
  });
  const big = batchOf(CALIBRATION_BATCH);
  const small = batchOf(CALIBRATION_SMALL_BATCH);
  const fused = tf.getBackend() === 'webgpu';
  const step = fused ? fusedTrainStep : trainStep;
  const timed = async (f: () => Promise<unknown>): Promise<number> => {
    const start = performance.now();
    await f();
    return (performance.now() - start) / 1000;
  };
  const oneStep = (b: { x: tf.Tensor4D; labels: tf.Tensor1D }) => async () => {
    const out = step(net, slots, b.x, b.labels, 0.01, PAPER_SGD);
    try {
      await out.loss.data();
    } finally {
      tf.dispose([out.loss, out.correct]);
    }
  };
  const median = async (b: { x: tf.Tensor4D; labels: tf.Tensor1D }): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < CALIBRATION_STEPS; i++) times.push(await timed(oneStep(b)));
    times.sort((p, q) => p - q);
    return times[Math.floor(times.length / 2)]!;
  };
  try {
    // As a run does it: the fused step's kernels prepared first, then its first step.
    const prepareSeconds = fused
      ? await timed(() => prepareFusedTrainStep(net, slots, big.x, big.labels, PAPER_SGD))
      : 0;
    const firstStepSeconds = await timed(oneStep(big));
    const secondsPerStep = await median(big);
    await oneStep(small)(); // the small batch's own first step (its buffers), not timed
    const smallSeconds = await median(small);
    const measured: CalibrationMeasurement = {
      features,
      batch: CALIBRATION_BATCH,
      secondsPerStep,
      prepareSeconds,
      firstStepSeconds,
      small: { features, batch: CALIBRATION_SMALL_BATCH, secondsPerStep: smallSeconds },
    };
    return { calibration: calibrationFrom(measured), measured };
  } finally {
    disposeFusedTrainer(slots);
    slots.dispose();
    net.dispose();
    tf.dispose([big.x, big.labels, small.x, small.labels]);
  }
}
