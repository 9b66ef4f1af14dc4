/**
 * The start-up measurement of this device: a few real training steps of a tiny fixed network
 * (the classroom DMRNet, width CALIBRATION_WIDTH) on fixed random images, with the step the
 * trainer uses on this backend (fused on WebGPU). The first step's extra time is kernel
 * preparation; the following ones give the speed. model/trainingCost.ts turns both into a cost
 * per multiply-add and per conv shape, and every run refines them later with its own steps.
 */
import * as tf from '@tensorflow/tfjs';
import { buildNetwork } from '../model/builder';
import { tinyClassroom } from '../model/presets';
import {
  calibrationFrom,
  costFeatures,
  type DeviceCalibration,
  type StepObservation,
} from '../model/trainingCost';
import { disposeFusedTrainer, fusedTrainStep } from './fused/step';
import { createOptimizerSlots, PAPER_SGD, trainStep } from './step';

export const CALIBRATION_WIDTH = 8;
export const CALIBRATION_BATCH = 8;
/** Timed steps after the first (the median is kept: a busy machine spoils single steps). */
export const CALIBRATION_STEPS = 3;

export interface CalibrationMeasurement extends StepObservation {
  firstStepSeconds: number;
}

export async function measureDevice(): Promise<{
  calibration: DeviceCalibration;
  measured: CalibrationMeasurement;
}> {
  const spec = tinyClassroom({ width: CALIBRATION_WIDTH });
  const net = buildNetwork(spec, { seed: 7 });
  const slots = createOptimizerSlots(net.trainable);
  const x = tf.randomNormal([CALIBRATION_BATCH, 32, 32, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  const labels = tf.tensor1d(
    Array.from({ length: CALIBRATION_BATCH }, (_, i) => i % spec.classes),
    'int32',
  );
  const step = tf.getBackend() === 'webgpu' ? fusedTrainStep : trainStep;
  const timedStep = async (): Promise<number> => {
    const start = performance.now();
    const out = step(net, slots, x, labels, 0.01, PAPER_SGD);
    try {
      await out.loss.data();
    } finally {
      tf.dispose([out.loss, out.correct]);
    }
    return (performance.now() - start) / 1000;
  };
  try {
    const firstStepSeconds = await timedStep();
    const times: number[] = [];
    for (let i = 0; i < CALIBRATION_STEPS; i++) times.push(await timedStep());
    times.sort((a, b) => a - b);
    const measured: CalibrationMeasurement = {
      features: costFeatures(spec),
      batch: CALIBRATION_BATCH,
      secondsPerStep: times[Math.floor(times.length / 2)]!,
      firstStepSeconds,
    };
    return { calibration: calibrationFrom(measured), measured };
  } finally {
    disposeFusedTrainer(slots);
    slots.dispose();
    net.dispose();
    tf.dispose([x, labels]);
  }
}
