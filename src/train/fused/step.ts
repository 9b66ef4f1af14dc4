/**
 * The fused training step: the same step as src/train/step.ts's `trainStep` (forward in
 * training mode, softmax cross-entropy, gradients, Nesterov SGD with weight decay, BN running
 * averages), with every BN [+ add] [+ ReLU] one dispatch each way, the running averages
 * updated inside the BN kernel, the whole optimizer one dispatch, and the convolutions our
 * own barrier-free kernels (./conv.ts).
 * WebGPU only: other backends keep `trainStep`.
 */
import * as tf from '@tensorflow/tfjs';
import type { BuiltNetwork, NamedVariable } from '../../model/network';
import { planNetwork } from '../../model/plan';
import {
  countCorrect,
  crossEntropy,
  decayRuleOf,
  decays,
  evalFromLogits,
  type EvalOutput,
  type OptimizerSlots,
  type SgdConfig,
  type StepOutput,
} from '../step';
import { bnAddReluFused } from './bnAddRelu';
import {
  collectFilterGrads,
  conv2dFused,
  FilterGradBatch,
  setQuickLayoutsUntilCompiled,
} from './conv';
import { compileAhead, type CompileReport, deviceOf, submitPending } from './runtime';
import { forwardLogits, type ConvOp, type WeightLookup } from './forward';
import { FusedNesterov } from './nesterov';
import { recordedForwardBackward } from './recordedStep';

/** Authors' code: BN eps 2e-5, moving-average momentum 0.9. */
export const BN_EPS = 2e-5;
export const BN_MOMENTUM = 0.9;

export type TrainableNetwork = Pick<BuiltNetwork, 'spec' | 'trainable' | 'nonTrainable'>;

export interface FusedTrainer {
  /** One step on a normalised NHWC batch; the caller disposes the outputs. */
  step(x: tf.Tensor4D, labels: tf.Tensor1D, lr: number): StepOutput;
  /**
   * Compiles every pipeline a step on this batch shape needs, asynchronously and in parallel,
   * before the first step (runtime.ts's `compileAhead`); null when nothing was left to do.
   */
  prepare(
    x: tf.Tensor4D,
    labels: tf.Tensor1D,
    onProgress?: (done: number, total: number) => void,
  ): Promise<CompileReport | null>;
  dispose(): void;
}

/** A step traced in compile-only mode: its outputs are garbage and go straight away. */
export function traceStep(trainer: FusedTrainer, x: tf.Tensor4D, labels: tf.Tensor1D): void {
  const out = trainer.step(x, labels, 0);
  tf.dispose([out.loss, out.correct]);
}

export function weightLookup(net: TrainableNetwork): WeightLookup {
  const byName = new Map<string, tf.Variable>();
  for (const v of [...net.trainable, ...net.nonTrainable]) byName.set(v.name, v.variable);
  return (name) => {
    const v = byName.get(name);
    if (!v) throw new Error(`the network has no weight named ${name}`);
    return v;
  };
}

/** The fused step's optimizer for `trainable`: one kernel, weight decay by the config's rule. */
export function createFusedOptimizer(trainable: NamedVariable[], config: SgdConfig): FusedNesterov {
  const rule = decayRuleOf(config);
  return new FusedNesterov(
    trainable.map(({ name, variable }) => ({
      variable,
      weightDecay: decays(name, rule) ? config.weightDecay : 0,
    })),
    config.momentum,
    config.nesterov,
  );
}

/**
 * A fused step for `net`. With `slots` (step.ts's OptimizerSlots, which checkpoints save and
 * restore), momentum lives in their velocities, so the fused step is a drop-in for
 * `trainStep(net, slots, x, labels, lr, config)`. By default the step is recorded from the plan
 * with our own backward (./recordedStep.ts); `recorded: false` keeps tfjs's autodiff around
 * the same kernels (the bench measures both).
 */
export function createFusedTrainer(
  net: TrainableNetwork,
  config: SgdConfig,
  slots?: OptimizerSlots,
  recorded = true,
): FusedTrainer {
  const plan = planNetwork(net.spec);
  const weight = weightLookup(net);
  const variables = net.trainable.map((v: NamedVariable) => v.variable);
  const optimizer = createFusedOptimizer(net.trainable, config);
  const bnTail = (h: tf.Tensor4D, bn: string, residual: tf.Tensor4D | null, relu: boolean) =>
    bnAddReluFused(
      h,
      weight(`${bn}.gamma`) as tf.Tensor1D,
      weight(`${bn}.beta`) as tf.Tensor1D,
      residual,
      {
        relu,
        eps: BN_EPS,
        running: {
          mean: weight(`${bn}.runningMean`) as tf.Variable,
          variance: weight(`${bn}.runningVar`) as tf.Variable,
          momentum: BN_MOMENTUM,
        },
      },
    );
  const prepared = new Set<string>();
  const filterGrads = new FilterGradBatch();
  /** With `recorded: false`: tfjs's autodiff around our kernels (the previous fused step). */
  const autodiffStep = (x: tf.Tensor4D, labels: tf.Tensor1D, lr: number): StepOutput => {
    let logitsKept: tf.Tensor2D | null = null;
    const { value, grads } = collectFilterGrads(filterGrads, () =>
      tf.variableGrads(() => {
        const logits = forwardLogits(plan, weight, x, bnTail, conv2dFused);
        logitsKept = tf.keep(logits);
        return crossEntropy(logits, labels);
      }, variables),
    );
    try {
      filterGrads.flush();
      optimizer.step(
        variables.map((v) => {
          const g = grads[v.name];
          if (!g) throw new Error(`no gradient for ${v.name}: it does not reach the loss`);
          return g;
        }),
        lr,
        slots?.velocities.map((v) => v.variable),
      );
      return { loss: value, correct: countCorrect(logitsKept!, labels) };
    } finally {
      tf.dispose(grads);
      if (logitsKept) (logitsKept as tf.Tensor).dispose();
    }
  };
  const trainer: FusedTrainer = {
    async prepare(x, labels, onProgress) {
      const key = x.shape.join('x');
      if (prepared.has(key)) return null;
      prepared.add(key);
      // The trace reads only the batch's shapes (nothing runs while compiling), so it may be
      // run again after the first step, when the caller has disposed the batch.
      return compileForFirstStep(() => traceStep(trainer, x, labels), onProgress);
    },
    step(x, labels, lr) {
      const out = recordStep(x, labels, lr);
      startChosenCompileAfterThisStep();
      return out;
    },
    dispose() {
      optimizer.dispose();
      filterGrads.dispose();
    },
  };
  function recordStep(x: tf.Tensor4D, labels: tf.Tensor1D, lr: number): StepOutput {
    if (!recorded) return autodiffStep(x, labels, lr);
    return tf.tidy(() => {
      const { loss, correct, grads } = recordedForwardBackward(
        plan,
        weight,
        x,
        labels,
        { eps: BN_EPS, momentum: BN_MOMENTUM },
        filterGrads,
      );
      optimizer.step(
        net.trainable.map(({ name }) => {
          const g = grads.get(name);
          if (!g) throw new Error(`no gradient for ${name}: it does not reach the loss`);
          return g;
        }),
        lr,
        slots?.velocities.map((v) => v.variable),
      );
      return { loss, correct };
    });
  }
  return trainer;
}

/**
 * Inference-mode logits (BN on its running averages, as the builder's `apply(x, false)`),
 * walked from the plan with `conv` for the convolutions (tfjs's by default).
 */
export function inferenceLogits(net: TrainableNetwork, x: tf.Tensor4D, conv?: ConvOp): tf.Tensor2D {
  const weight = weightLookup(net);
  return tf.tidy(() =>
    forwardLogits(
      planNetwork(net.spec),
      weight,
      x,
      (h, bn, residual, relu) => {
        let y = tf.batchNorm(
          h,
          weight(`${bn}.runningMean`) as tf.Tensor1D,
          weight(`${bn}.runningVar`) as tf.Tensor1D,
          weight(`${bn}.beta`) as tf.Tensor1D,
          weight(`${bn}.gamma`) as tf.Tensor1D,
          BN_EPS,
        );
        if (residual) y = tf.add(y, residual);
        return relu ? tf.relu(y) : y;
      },
      conv,
    ),
  );
}

/**
 * step.ts's `evalBatch` on WebGPU with our convolutions: tfjs's made a test pass cost as
 * much as the training between two evaluations on SwiftShader.
 */
export function fusedEvalBatch(
  net: TrainableNetwork,
  x: tf.Tensor4D,
  labels: tf.Tensor1D,
): EvalOutput {
  return tf.tidy(() => evalFromLogits(inferenceLogits(net, x, conv2dFused), labels));
}

const trainers = new WeakMap<
  OptimizerSlots,
  { net: TrainableNetwork; config: SgdConfig; trainer: FusedTrainer }
>();

/**
 * Drop-in for step.ts's `trainStep(net, slots, x, labels, lr, config)` on WebGPU: one fused
 * trainer per (network, slots), made on first use (its flat buffers are released with it,
 * by `dispose` or when the slots are collected).
 */
export function fusedTrainStep(
  net: TrainableNetwork,
  slots: OptimizerSlots,
  x: tf.Tensor4D,
  labels: tf.Tensor1D,
  lr: number,
  config: SgdConfig,
): StepOutput {
  return trainerFor(net, slots, config).step(x, labels, lr);
}

/**
 * Compiles what a step traced by `trace` needs before its first run, the conv layouts chosen
 * for the adapter in the background: the first steps wait only for quick-to-compile conv
 * layouts (conv.ts's `setQuickLayoutsUntilCompiled`), and each conv shape switches to its
 * chosen layout once that pipeline is ready (every layout gives the same bits). Resolves with
 * the report of what the first step waited for.
 */
export async function compileForFirstStep(
  trace: () => void,
  onProgress?: (done: number, total: number) => void,
): Promise<CompileReport> {
  setQuickLayoutsUntilCompiled(true);
  const report = await compileAhead(trace, onProgress);
  chosenCompile = () => {
    setQuickLayoutsUntilCompiled(false);
    // compileAhead traces synchronously, before its first await: only this trace sees the
    // chosen layouts. A failed compilation surfaces where a step compiles it again.
    compileAhead(trace).catch(() => undefined);
    setQuickLayoutsUntilCompiled(true);
  };
  return report;
}

/** The background compilation of the chosen layouts, waiting for the first step to be done. */
let chosenCompile: (() => void) | null = null;

/**
 * Starts `chosenCompile` once the step just recorded has run on the GPU: on a 2-core machine
 * compiling beside the first step delayed its loss by a second (docs/performance.md).
 */
function startChosenCompileAfterThisStep(): void {
  const start = chosenCompile;
  if (!start) return;
  chosenCompile = null;
  submitPending();
  deviceOf()
    .queue.onSubmittedWorkDone()
    .then(start, () => undefined);
}

/**
 * Compiles the pipelines of `fusedTrainStep(net, slots, x, labels, ...)` ahead, in parallel
 * (once per trainer and batch shape; later calls resolve at once with null).
 */
export function prepareFusedTrainStep(
  net: TrainableNetwork,
  slots: OptimizerSlots,
  x: tf.Tensor4D,
  labels: tf.Tensor1D,
  config: SgdConfig,
  onProgress?: (done: number, total: number) => void,
): Promise<CompileReport | null> {
  return trainerFor(net, slots, config).prepare(x, labels, onProgress);
}

function trainerFor(net: TrainableNetwork, slots: OptimizerSlots, config: SgdConfig): FusedTrainer {
  let entry = trainers.get(slots);
  const c = entry?.config;
  if (
    !entry ||
    entry.net !== net ||
    c!.momentum !== config.momentum ||
    c!.weightDecay !== config.weightDecay ||
    c!.nesterov !== config.nesterov ||
    decayRuleOf(c!) !== decayRuleOf(config)
  ) {
    entry?.trainer.dispose();
    entry = { net, config: { ...config }, trainer: createFusedTrainer(net, config, slots) };
    trainers.set(slots, entry);
  }
  return entry.trainer;
}

/** Releases the fused trainer made for `slots` (its flat buffers), if any. */
export function disposeFusedTrainer(slots: OptimizerSlots): void {
  const entry = trainers.get(slots);
  if (!entry) return;
  trainers.delete(slots);
  entry.trainer.dispose();
}
