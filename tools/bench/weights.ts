/**
 * Seeded weights for a spec, named and shaped by the plan (src/model/plan.ts's weightNames),
 * so the bench and the fused checks can build a network on any backend from plain arrays:
 * the CPU reference and the WebGPU run start from identical values.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedVariable } from '../../src/model/network';
import { weightNames } from '../../src/model/plan';
import type { NetworkSpec } from '../../src/model/spec';
import { createRng } from '../../src/model/random';

export interface WeightArrays {
  spec: NetworkSpec;
  weights: { name: string; shape: number[]; trainable: boolean; values: Float32Array }[];
}

function normal(rng: ReturnType<typeof createRng>): number {
  // Box-Muller.
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** He (MSRA) init for convs (Section 4.2), BN gamma 1 / beta 0, running 0 / 1, small FC. */
export function seededWeights(spec: NetworkSpec, seed: number): WeightArrays {
  const rng = createRng(seed);
  const weights = weightNames(spec).map(({ name, shape, trainable, role }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (role === 'conv') {
      const fanIn = shape[0]! * shape[1]! * shape[2]!;
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < size; i++) values[i] = normal(rng) * std;
    } else if (role === 'fcWeight') {
      const std = Math.sqrt(1 / shape[0]!);
      for (let i = 0; i < size; i++) values[i] = normal(rng) * std;
    } else if (role === 'bnGamma' || role === 'bnRunningVar') {
      values.fill(1);
    }
    return { name, shape, trainable, values };
  });
  return { spec, weights };
}

/** Variables on the current backend from the arrays. */
export function variablesFrom(w: WeightArrays): {
  spec: NetworkSpec;
  trainable: NamedVariable[];
  nonTrainable: NamedVariable[];
  dispose(): void;
} {
  const all = w.weights.map((x) => ({
    name: x.name,
    trainable: x.trainable,
    variable: tf.tidy(() => tf.variable(tf.tensor(x.values, x.shape), x.trainable)),
  }));
  return {
    spec: w.spec,
    trainable: all.filter((v) => v.trainable).map(({ name, variable }) => ({ name, variable })),
    nonTrainable: all.filter((v) => !v.trainable).map(({ name, variable }) => ({ name, variable })),
    dispose: () => all.forEach((v) => v.variable.dispose()),
  };
}
