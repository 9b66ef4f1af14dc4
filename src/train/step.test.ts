import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildNetwork } from '../model/builder';
import { tinyClassroom } from '../model/presets';
import { tinyNetwork, tinySpec } from './testing/fakes';
import {
  PAPER_SGD,
  applySgdUpdate,
  createOptimizerSlots,
  crossEntropy,
  decayRuleOf,
  decays,
  trainStep,
} from './step';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('SGD with Nesterov momentum and weight decay', () => {
  it("matches a hand computation over two steps, with MXNet's rule (no decay on the bias)", () => {
    const w = tf.variable(tf.tensor1d([1, -2]), true, 'hand.w');
    const b = tf.variable(tf.tensor1d([0.5]), true, 'hand.b');
    const trainable = [
      { name: 'layer.weight', variable: w },
      { name: 'layer.bias', variable: b },
    ];
    const slots = createOptimizerSlots(trainable);
    const config = {
      momentum: 0.9,
      weightDecay: 0.1,
      nesterov: true,
      decay: 'weights-gamma' as const,
    };
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

  it("decays every parameter under the authors' rule, not biases and BN beta under MXNet's", () => {
    for (const name of ['stage1.block0.stream0.branch.conv0.weight', 'conv0.bn.gamma']) {
      expect(decays(name, 'all')).toBe(true);
      expect(decays(name, 'weights-gamma')).toBe(true);
    }
    for (const name of ['conv0.bn.beta', 'fc.bias']) {
      expect(decays(name, 'all')).toBe(true);
      expect(decays(name, 'weights-gamma')).toBe(false);
    }
  });

  it("defaults to the authors' rule; a config stored without one keeps MXNet's", () => {
    expect(PAPER_SGD.decay).toBe('all');
    expect(decayRuleOf(PAPER_SGD)).toBe('all');
    expect(decayRuleOf({ momentum: 0.9, weightDecay: 1e-4, nesterov: true })).toBe('weights-gamma');
  });

  // Issue 17: one step on a tiny network where a bias and a beta have zero gradient.
  for (const momentum of [0, 0.9]) {
    it(`moves a zero-gradient bias and beta by weight decay alone under 'all' (momentum ${momentum})`, () => {
      const net = tinyNetwork(tinySpec(3), 5);
      const lr = 0.1;
      const wd = 0.01;
      const zero = net.trainable.filter(({ name }) => /\.(bias|beta)$/.test(name));
      expect(zero.some(({ name }) => name.endsWith('.beta'))).toBe(true);
      expect(zero.some(({ name }) => name.endsWith('.bias'))).toBe(true);
      // BN beta and the FC bias start at 0, where decay cannot show.
      zero.forEach(({ variable }, i) =>
        variable.assign(tf.randomUniform(variable.shape, -1, 1, 'float32', 40 + i)),
      );
      const start = net.trainable.map(({ variable }) => variable.dataSync().slice());
      for (const decay of ['all', 'weights-gamma'] as const) {
        net.trainable.forEach(({ variable }, i) =>
          variable.assign(tf.tensor(start[i]!, variable.shape)),
        );
        const slots = createOptimizerSlots(net.trainable);
        const grads: Record<string, tf.Tensor> = {};
        net.trainable.forEach(({ name, variable }, i) => {
          grads[variable.name] = zero.some((z) => z.name === name)
            ? tf.zerosLike(variable)
            : tf.randomNormal(variable.shape, 0, 1, 'float32', i);
        });
        applySgdUpdate(net.trainable, slots, grads, lr, {
          momentum,
          weightDecay: wd,
          nesterov: true,
          decay,
        });
        // g = wd w; v = g; w -= lr (g + mu v) = w (1 - lr wd (1 + mu)); lr wd at momentum 0.
        const shrink = decay === 'all' ? 1 - lr * wd * (1 + momentum) : 1;
        for (const { name, variable } of zero) {
          const i = net.trainable.findIndex((t) => t.name === name);
          const before = start[i]!;
          const after = variable.dataSync();
          expect(before.some((v) => v !== 0)).toBe(true);
          before.forEach((b, k) => expect(after[k]).toBeCloseTo(b * shrink, 7));
        }
        tf.dispose(Object.values(grads));
        slots.dispose();
      }
      net.dispose();
    });
  }
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

describe('trainStep with ghost batch norm', () => {
  it('trains on groups as if each were its own batch: loss and running averages', async () => {
    const spec = { ...tinyClassroom({ width: 4 }), input: { height: 8, width: 8, channels: 3 } };
    const net = buildNetwork(spec, { seed: 2 });
    const x = tf.randomNormal([8, 8, 8, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const labels = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32');
    // BN is the only op across images: ghost BN over 2 groups of 4 on the whole batch is plain
    // BN on each half, so the loss is the mean of the halves' losses.
    const halves = tf.tidy(() =>
      [0, 4].map((start) => {
        const out = net.apply(x.slice(start, 4), true);
        const loss = crossEntropy(out.logits, labels.slice(start, 4)).dataSync()[0]!;
        const s = out.stats.get('conv0.bn')!;
        return { loss, mean: s.mean.dataSync().slice(), variance: s.variance.dataSync().slice() };
      }),
    );
    const whole = tf.tidy(() => crossEntropy(net.apply(x, true).logits, labels).dataSync()[0]!);
    const slots = createOptimizerSlots(net.trainable);
    const out = trainStep(net, slots, x, labels, 0.1, PAPER_SGD, 2);
    const loss = (await out.loss.data())[0]!;
    expect(loss).toBeCloseTo((halves[0]!.loss + halves[1]!.loss) / 2, 5);
    expect(Math.abs(loss - whole)).toBeGreaterThan(1e-4);
    // running = 0.9 * 0 + 0.1 * (mean of the groups' means); variance from 1 likewise.
    const rm = net.weight('conv0.bn.runningMean').dataSync();
    const rv = net.weight('conv0.bn.runningVar').dataSync();
    for (let c = 0; c < rm.length; c++) {
      expect(rm[c]).toBeCloseTo(0.05 * (halves[0]!.mean[c]! + halves[1]!.mean[c]!), 5);
      expect(rv[c]).toBeCloseTo(
        0.9 + 0.05 * (halves[0]!.variance[c]! + halves[1]!.variance[c]!),
        4,
      );
    }
    tf.dispose([out.loss, out.correct, x, labels]);
    slots.dispose();
    net.dispose();
  });
});
