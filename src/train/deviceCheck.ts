/**
 * A real check of the chosen backend: one small convolution, timed after a warm-up (the first
 * run compiles shaders), and compared with the tfjs CPU backend on the same inputs.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName, DeviceCheckResult } from '../protocol/training';

const INPUT: [number, number, number, number] = [8, 32, 32, 16];
const FILTER: [number, number, number, number] = [3, 3, 16, 16];

/** Deterministic inputs (a fixed linear congruential sequence), so runs are comparable. */
function fixedValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 32 - 0.5;
  }
  return out;
}

async function convolve(x: Float32Array, w: Float32Array): Promise<Float32Array> {
  const y = tf.tidy(() => tf.conv2d(tf.tensor4d(x, INPUT), tf.tensor4d(w, FILTER), 1, 'same'));
  try {
    return (await y.data()) as Float32Array;
  } finally {
    y.dispose();
  }
}

export async function runDeviceCheck(): Promise<DeviceCheckResult> {
  const backend = tf.getBackend() as BackendName;
  const x = fixedValues(
    INPUT.reduce((a, b) => a * b),
    1,
  );
  const w = fixedValues(
    FILTER.reduce((a, b) => a * b),
    2,
  );
  await convolve(x, w); // warm-up: shader compilation
  const start = performance.now();
  const onDevice = await convolve(x, w);
  const milliseconds = performance.now() - start;

  let reference = onDevice;
  if (backend !== 'cpu') {
    await tf.setBackend('cpu');
    try {
      reference = await convolve(x, w);
    } finally {
      await tf.setBackend(backend);
    }
  }
  let maxAbsDiffVsCpu = 0;
  for (let i = 0; i < onDevice.length; i++) {
    maxAbsDiffVsCpu = Math.max(maxAbsDiffVsCpu, Math.abs(onDevice[i]! - reference[i]!));
  }
  return { backend, inputShape: INPUT, filterShape: FILTER, milliseconds, maxAbsDiffVsCpu };
}
