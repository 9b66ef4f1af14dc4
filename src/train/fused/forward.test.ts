import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildNetwork } from '../../model/builder';
import { planNetwork } from '../../model/plan';
import { fromPaper, tinyClassroom } from '../../model/presets';
import type { NetworkSpec } from '../../model/spec';
import { bnAddReluReference } from './bnAddRelu';
import { forwardLogits } from './forward';
import { BN_EPS, weightLookup } from './step';

// The fused step walks the plan itself (to put its BN tails in); that walk must be the
// builder's network. Here with plain tfjs BN tails on the CPU, against net.apply.
async function maxDiffAgainstBuilder(spec: NetworkSpec): Promise<number> {
  await tf.setBackend('cpu');
  const net = buildNetwork(spec, { seed: 3 });
  const { height, width, channels } = spec.input;
  const x = tf.randomNormal([2, height, width, channels], 0, 1, 'float32', 5) as tf.Tensor4D;
  const ours = forwardLogits(planNetwork(spec), weightLookup(net), x, (h, bn, residual, relu) =>
    tf.tidy(() => {
      const w = weightLookup(net);
      const gamma = w(`${bn}.gamma`) as tf.Tensor1D;
      const beta = w(`${bn}.beta`) as tf.Tensor1D;
      return bnAddReluReference(h, gamma, beta, residual, { relu, eps: BN_EPS }).y;
    }),
  );
  const theirs = net.apply(x, true);
  const diff = (await tf.max(tf.abs(tf.sub(ours, theirs.logits))).data())[0]!;
  tf.dispose([x, ours, theirs.logits]);
  for (const s of theirs.stats.values()) tf.dispose([s.mean, s.variance]);
  net.dispose();
  return diff;
}

describe('forwardLogits (the fused step walk)', () => {
  it('matches the builder on the classroom DMRNet (merge-and-run, fused last block)', async () => {
    const spec = { ...tinyClassroom({ width: 4 }), input: { height: 8, width: 8, channels: 3 } };
    expect(await maxDiffAgainstBuilder(spec)).toBeLessThan(1e-4);
  });

  it('matches the builder on a ResNet and on identity streams without sharing', async () => {
    for (const options of [
      { arch: 'resnet', L: 3 },
      { arch: 'identity', L: 6, sharing: 'none' },
      { arch: 'dilnet', L: 6 },
    ] as const) {
      const base = fromPaper({ ...options, widen: 1 });
      const spec = { ...base, input: { height: 8, width: 8, channels: 3 } };
      expect(await maxDiffAgainstBuilder(spec), options.arch).toBeLessThan(1e-4);
    }
  });
});
