import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyNetwork, tinySpec } from './testing/fakes';
import { applySgdUpdate, createOptimizerSlots, decays, trainStep } from './step';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('SGD with Nesterov momentum and weight decay', () => {
  it('matches a hand computation over two steps, with decay only on weights and gamma', () => {
    const w = tf.variable(tf.tensor1d([1, -2]), true, 'hand.w');
    const b = tf.variable(tf.tensor1d([0.5]), true, 'hand.b');
    const trainable = [
      { name: 'layer.weight', variable: w },
      { name: 'layer.bias', variable: b },
    ];
    const slots = createOptimizerSlots(trainable);
    const config = { momentum: 0.9, weightDecay: 0.1, nesterov: true };
    const lr = 0.5;
    const grads = { [w.name]: tf.tensor1d([0.2, 0.4]), [b.name]: tf.tensor1d([1]) };

    // Step 1, by hand. weight: g = grad + 0.1 w = [0.3, 0.2]; v = g; w -= lr (g + 0.9 v)
    //   = [1 - 0.5 * 0.57, -2 - 0.5 * 0.38] = [0.715, -2.19]
    // bias (no decay): g = 1; v = 1; b = 0.5 - 0.5 * 1.9 = -0.45
    applySgdUpdate(trainable, slots, grads, lr, config);
    expect(Array.from(w.dataSync())).toEqual([0.715, -2.19].map((x) => expect.closeTo(x, 6)));
    expect(b.dataSync()[0]).toBeCloseTo(-0.45, 6);
    expect(Array.from(slots.velocities[0]!.variable.dataSync())).toEqual(
      [0.3, 0.2].map((x) => expect.closeTo(x, 6)),
    );

    // Step 2. weight: g = [0.2 + 0.0715, 0.4 - 0.219] = [0.2715, 0.181];
    //   v = 0.9 [0.3, 0.2] + g = [0.5415, 0.361]; w -= 0.5 (g + 0.9 v)
    //   = [0.715 - 0.5 * 0.75885, -2.19 - 0.5 * 0.5059] = [0.335575, -2.44295]
    // bias: v = 0.9 + 1 = 1.9; b = -0.45 - 0.5 (1 + 1.71) = -1.805
    applySgdUpdate(trainable, slots, grads, lr, config);
    expect(w.dataSync()[0]).toBeCloseTo(0.335575, 5);
    expect(w.dataSync()[1]).toBeCloseTo(-2.44295, 5);
    expect(b.dataSync()[0]).toBeCloseTo(-1.805, 5);
    tf.dispose(Object.values(grads));
    slots.dispose();
    w.dispose();
    b.dispose();
  });

  it('without Nesterov, steps along the velocity', () => {
    const w = tf.variable(tf.tensor1d([1]), true, 'plain.w');
    const trainable = [{ name: 'x.weight', variable: w }];
    const slots = createOptimizerSlots(trainable);
    const grads = { [w.name]: tf.tensor1d([1]) };
    const config = { momentum: 0.5, weightDecay: 0, nesterov: false };
    applySgdUpdate(trainable, slots, grads, 0.1, config); // v = 1, w = 0.9
    applySgdUpdate(trainable, slots, grads, 0.1, config); // v = 1.5, w = 0.75
    expect(w.dataSync()[0]).toBeCloseTo(0.75, 6);
    tf.dispose(Object.values(grads));
    slots.dispose();
    w.dispose();
  });

  it('decays conv/FC weights and BN gamma, not biases and BN beta (MXNet wd_mult)', () => {
    expect(decays('stage1.block0.stream0.branch.conv0.weight')).toBe(true);
    expect(decays('conv0.bn.gamma')).toBe(true);
    expect(decays('conv0.bn.beta')).toBe(false);
    expect(decays('fc.bias')).toBe(false);
  });
});

describe('trainStep', () => {
  it('lowers the loss on a fixed batch, updates BN running stats, and leaks no tensor', async () => {
    const net = tinyNetwork(tinySpec(3), 7);
    const slots = createOptimizerSlots(net.trainable);
    const x = tf.randomNormal([6, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const labels = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
    const config = { momentum: 0.9, weightDecay: 1e-4, nesterov: true };
    const runningBefore = Array.from(net.nonTrainable[0]!.variable.dataSync());
    const first = trainStep(net, slots, x, labels, 0.1, config);
    const firstLoss = (await first.loss.data())[0]!;
    tf.dispose([first.loss, first.correct]);
    const tensorsAfterFirst = tf.memory().numTensors;
    let last = firstLoss;
    for (let i = 0; i < 20; i++) {
      const out = trainStep(net, slots, x, labels, 0.1, config);
      last = (await out.loss.data())[0]!;
      const correct = (await out.correct.data())[0]!;
      expect(correct).toBeGreaterThanOrEqual(0);
      expect(correct).toBeLessThanOrEqual(6);
      tf.dispose([out.loss, out.correct]);
    }
    expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    expect(last).toBeLessThan(firstLoss * 0.9);
    expect(Array.from(net.nonTrainable[0]!.variable.dataSync())).not.toEqual(runningBefore);
    tf.dispose([x, labels]);
    slots.dispose();
    net.dispose();
  });
});
