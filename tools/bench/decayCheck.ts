/**
 * Issue 17's fused-step evidence: one step of the fused step's own optimizer
 * (createFusedOptimizer) on WebGPU, on a tiny DMRNet's weights, with the gradient of every bias
 * and BN beta zero. Under the authors' rule ('all') they move by weight decay alone; under
 * MXNet's ('weights-gamma') they stay. e2e/fused.spec.ts checks the numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { buildNetwork } from '../../src/model/builder';
import { tinyClassroom } from '../../src/model/presets';
import { DECAY_RULES } from '../../src/model/recipe';
import { createRng } from '../../src/model/random';
import { createFusedOptimizer } from '../../src/train/fused/step';
import { createOptimizerSlots, type SgdConfig } from '../../src/train/step';
import type { DecayCheck } from './messages';

const ZERO_GRADIENT = /\.(bias|beta)$/;

export async function checkDecayRules(): Promise<DecayCheck[]> {
  await tf.setBackend('webgpu');
  const spec = { ...tinyClassroom({ width: 4 }), input: { height: 8, width: 8, channels: 3 } };
  const lr = 0.1;
  const out: DecayCheck[] = [];
  for (const decay of DECAY_RULES) {
    const config: SgdConfig = { momentum: 0.9, weightDecay: 0.01, nesterov: true, decay };
    const net = buildNetwork(spec, { seed: 3 });
    const rng = createRng(11);
    const random = (v: tf.Variable) =>
      tf.tensor(
        Float32Array.from({ length: v.size }, () => rng.next() * 2 - 1),
        v.shape,
      );
    // BN beta and the FC bias start at 0, where decay cannot show: give them values.
    for (const { name, variable } of net.trainable) {
      if (ZERO_GRADIENT.test(name)) variable.assign(random(variable));
    }
    const before = new Map<string, Float32Array>();
    for (const { name, variable } of net.trainable) {
      if (ZERO_GRADIENT.test(name)) before.set(name, (await variable.data()) as Float32Array);
    }
    const grads = net.trainable.map(({ name, variable }) =>
      ZERO_GRADIENT.test(name) ? tf.zerosLike(variable) : random(variable),
    );
    const slots = createOptimizerSlots(net.trainable);
    const optimizer = createFusedOptimizer(net.trainable, config);
    optimizer.step(
      grads,
      lr,
      slots.velocities.map((v) => v.variable),
    );
    for (const { name, variable } of net.trainable) {
      const b = before.get(name);
      if (!b) continue;
      out.push({
        rule: decay,
        name,
        lr,
        weightDecay: config.weightDecay,
        momentum: config.momentum,
        before: Array.from(b),
        after: Array.from((await variable.data()) as Float32Array),
      });
    }
    tf.dispose(grads);
    optimizer.dispose();
    slots.dispose();
    net.dispose();
  }
  return out;
}
