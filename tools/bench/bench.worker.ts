/// <reference lib="webworker" />
/**
 * The benchmark, in a worker like the trainer: the fused step (fused augmentation + fused
 * BN/add/ReLU + one-dispatch optimizer) against a tfjs-layers `trainOnBatch` of the same
 * network (augmented with src/train/augment.ts's tfjs ops), same backend, batch and data,
 * steps alternated so both see the same machine load.
 *
 * - Dispatches: `GPUComputePassEncoder.prototype.dispatchWorkgroups` is wrapped and counted.
 * - Host ms: JavaScript time to issue a step, from its start to the loss read-back's
 *   `mapAsync` (the first GPU wait), so the GPU's own time is not counted.
 * - Images/s: batch x steps / the summed wall time of the steps, each ending when its
 *   loss is on the CPU (as a trainer that charts the loss does).
 * Data: seeded random pixels and labels (the throughput does not depend on the pictures).
 */
import * as tf from '@tensorflow/tfjs';
import { analyzeNetwork } from '../../src/model/analysis';
import { planNetwork } from '../../src/model/plan';
import { fromPaper, tinyClassroom } from '../../src/model/presets';
import type { NetworkSpec } from '../../src/model/spec';
import { augmentAndNormalize, drawAugmentation, imagesToTensor } from '../../src/train/augment';
import { initBackend } from '../../src/train/backend';
import { augmentFused, packPixels } from '../../src/train/fused/augment';
import { memoryRefusal, planStepMemory } from '../../src/train/fused/memoryPlan';
import { deviceOf } from '../../src/train/fused/runtime';
import { compileForFirstStep, createFusedTrainer, traceStep } from '../../src/train/fused/step';
import { tuneConvs, type KernelChoice } from '../../src/train/fused/tuning';
import { createRng } from '../../src/model/random';
import { PAPER_SGD } from '../../src/train/step';
import { layersModel } from './layersBaseline';
import type {
  BenchReport,
  BenchRequest,
  FirstStep,
  L54Report,
  MemoryReport,
  StepProfile,
  StepTimes,
  WorkerReply,
} from './messages';
import { instrumentCapture, profileStep } from './stepProfile';
import { seededWeights, variablesFrom } from './weights';

declare const self: DedicatedWorkerGlobalScope;

const reply = (m: WorkerReply) => self.postMessage(m);

const MEAN = [0.4914, 0.4822, 0.4465];
const STD = [0.247, 0.2435, 0.2616];
const LR = 0.05;

let dispatches = 0;
let firstMapAt: number | null = null;

function instrument(): void {
  const proto = GPUComputePassEncoder.prototype;
  const dispatchWorkgroups = proto.dispatchWorkgroups;
  proto.dispatchWorkgroups = function (
    this: GPUComputePassEncoder,
    x: number,
    y?: number,
    z?: number,
  ) {
    dispatches++;
    return dispatchWorkgroups.call(this, x, y, z);
  };
  const mapAsync = GPUBuffer.prototype.mapAsync;
  GPUBuffer.prototype.mapAsync = function (
    this: GPUBuffer,
    mode: number,
    offset?: number,
    size?: number,
  ) {
    firstMapAt ??= performance.now();
    return mapAsync.call(this, mode, offset, size);
  };
}

interface Batch {
  pixels: Uint8Array;
  labels: Int32Array;
  params: ReturnType<typeof drawAugmentation>;
}

function batches(spec: NetworkSpec, batch: number, count: number): Batch[] {
  const { height, width, channels } = spec.input;
  return Array.from({ length: count }, (_, s) => {
    const rng = createRng(100 + s);
    return {
      pixels: Uint8Array.from({ length: batch * height * width * channels }, () => rng.int(256)),
      labels: Int32Array.from({ length: batch }, () => rng.int(spec.classes)),
      params: drawAugmentation(createRng(200 + s), batch, 4),
    };
  });
}

interface Sample {
  wallMs: number;
  hostMs: number;
  dispatches: number;
  startedAt: number;
  endedAt: number;
}

async function timed(step: () => Promise<void>): Promise<Sample> {
  const d0 = dispatches;
  firstMapAt = null;
  const t0 = performance.now();
  await step();
  const t1 = performance.now();
  return {
    wallMs: t1 - t0,
    hostMs: (firstMapAt ?? t1) - t0,
    dispatches: dispatches - d0,
    startedAt: t0,
    endedAt: t1,
  };
}

async function benchNetwork(
  spec: NetworkSpec,
  batch: number,
  req: BenchRequest,
  label: string,
): Promise<{
  times: StepTimes;
  first: FirstStep;
  kernelChoices: KernelChoice[] | null;
  tuneMs: number;
  profile: StepProfile | null;
}> {
  const { height, width, channels } = spec.input;
  const shape: [number, number, number, number] = [batch, height, width, channels];
  const data = batches(spec, batch, req.warmup + req.steps);

  const net = variablesFrom(seededWeights(spec, 1));
  const preparing = performance.now();
  const trainer = createFusedTrainer(net, PAPER_SGD);
  const inputs = (b: Batch) => {
    const packed = tf.tensor1d(packPixels(b.pixels), 'int32');
    const labels = tf.tensor1d(b.labels, 'int32');
    const x = augmentFused(packed, shape, b.params, MEAN, STD);
    packed.dispose();
    return { x, labels };
  };
  // Every pipeline of the step (augmentation included) compiled ahead, in parallel.
  const compiled = await compileForFirstStep(() => {
    const { x, labels } = inputs(data[0]!);
    traceStep(trainer, x, labels);
    tf.dispose([x, labels]);
  });
  const engineStep = async (b: Batch) => {
    const { x, labels } = inputs(b);
    const out = trainer.step(x, labels, LR);
    tf.dispose([labels, x, out.correct]);
    await out.loss.data();
    out.loss.dispose();
  };

  const model = layersModel(planNetwork(spec), PAPER_SGD.weightDecay, LR);
  const baselineStep = async (b: Batch) => {
    const { x, y } = tf.tidy(() => {
      const raw = imagesToTensor(b.pixels, batch, height, width, channels);
      return {
        x: augmentAndNormalize(raw, b.params, MEAN, STD),
        y: tf.oneHot(tf.tensor1d(b.labels, 'int32'), spec.classes),
      };
    });
    await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
  };

  let first: FirstStep | null = null;
  for (let s = 0; s < req.warmup; s++) {
    reply({ type: 'progress', message: `${label}: warm-up ${s + 1}/${req.warmup}` });
    const e = await timed(() => engineStep(data[s]!));
    if (s === 0) {
      first = {
        prepareMs: Math.round(compiled.ms),
        pipelines: compiled.ours,
        pipelinesCompiled: compiled.oursNew,
        tfjsProgramsCompiled: compiled.tfjsNew,
        startsAtMs: Math.round(e.startedAt - preparing + e.hostMs),
        doneAtMs: Math.round(e.endedAt - preparing),
      };
    }
    const b = await timed(() => baselineStep(data[s]!));
    reply({
      type: 'progress',
      message: `${label}: warm-up engine ${e.wallMs.toFixed(0)} ms, baseline ${b.wallMs.toFixed(0)} ms`,
    });
  }
  // Tuned after the first step (so that step shows a cold start), before the measured ones.
  let kernelChoices: KernelChoice[] | null = null;
  let tuneMs = 0;
  if (req.tune) {
    const t0 = performance.now();
    kernelChoices = await tuneConvs(spec, batch, 3, (m) =>
      reply({ type: 'progress', message: `${label}: tuning, ${m}` }),
    );
    tuneMs = Math.round(performance.now() - t0);
    // One more warm-up: the chosen kernels' first use.
    await timed(() => engineStep(data[0]!));
  }
  const engine: Sample[] = [];
  const baseline: Sample[] = [];
  for (let s = req.warmup; s < req.warmup + req.steps; s++) {
    reply({ type: 'progress', message: `${label}: step ${s - req.warmup + 1}/${req.steps}` });
    const e = await timed(() => engineStep(data[s]!));
    const b = await timed(() => baselineStep(data[s]!));
    engine.push(e);
    baseline.push(b);
    const show = (x: Sample) =>
      `${x.wallMs.toFixed(0)} ms, host ${x.hostMs.toFixed(0)} ms, ${x.dispatches} dispatches`;
    reply({ type: 'progress', message: `${label}: engine ${show(e)}; baseline ${show(b)}` });
  }
  let profile: StepProfile | null = null;
  if (req.profile) {
    reply({ type: 'progress', message: `${label}: profiling one step` });
    profile = await profileStep(() => engineStep(data[req.warmup]!));
  }
  trainer.dispose();
  net.dispose();
  model.dispose();

  const sum = (xs: Sample[], k: keyof Sample) => xs.reduce((a, x) => a + x[k], 0);
  const n = req.steps;
  const engineImagesPerSec = (batch * n * 1000) / sum(engine, 'wallMs');
  const baselineImagesPerSec = (batch * n * 1000) / sum(baseline, 'wallMs');
  const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
  if (!first) throw new Error('the bench needs at least one warm-up step');
  return {
    first,
    kernelChoices,
    tuneMs,
    profile,
    times: {
      engineImagesPerSec: round(engineImagesPerSec),
      baselineImagesPerSec: round(baselineImagesPerSec),
      ratio: round(engineImagesPerSec / baselineImagesPerSec),
      engineDispatchesPerStep: round(sum(engine, 'dispatches') / n, 1),
      baselineDispatchesPerStep: round(sum(baseline, 'dispatches') / n, 1),
      engineHostMsPerStep: round(sum(engine, 'hostMs') / n, 1),
      baselineHostMsPerStep: round(sum(baseline, 'hostMs') / n, 1),
    },
  };
}

/** MiB, 1 decimal. */
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function memoryReport(spec: NetworkSpec, batch: number): MemoryReport {
  const plan = planStepMemory(spec, batch);
  const limits = deviceOf().limits;
  return {
    network: spec.name,
    batch,
    params: analyzeNetwork(spec, { batch }).params,
    totalMiB: mib(plan.totalBytes),
    parametersMiB: mib(plan.parameterBytes),
    optimizerMiB: mib(plan.optimizerBytes),
    savedActivationsMiB: mib(plan.savedActivationBytes),
    filterGradientsMiB: mib(plan.filterGradBytes),
    transientsMiB: mib(plan.transientBytes),
    largestBuffer: { MiB: mib(plan.largestBuffer.bytes), where: plan.largestBuffer.where },
    adapterMaxBufferMiB: mib(Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize)),
    refusal: memoryRefusal(plan, limits),
  };
}

/** DMRNet L=54 (Table 2), engine only: compiled ahead, one warm-up and one measured step. */
async function benchL54(batch: number): Promise<L54Report> {
  const spec = fromPaper({ arch: 'dmrnet', L: 54 });
  reply({ type: 'progress', message: `L=54: preparing` });
  const memory = memoryReport(spec, batch);
  if (memory.refusal) throw new Error(`L=54 refused: ${memory.refusal}`);
  const { height, width, channels } = spec.input;
  const shape: [number, number, number, number] = [batch, height, width, channels];
  const data = batches(spec, batch, 2);
  const net = variablesFrom(seededWeights(spec, 1));
  const trainer = createFusedTrainer(net, PAPER_SGD);
  const inputs = (b: Batch) => {
    const packed = tf.tensor1d(packPixels(b.pixels), 'int32');
    const x = augmentFused(packed, shape, b.params, MEAN, STD);
    packed.dispose();
    return { x, labels: tf.tensor1d(b.labels, 'int32') };
  };
  const compiled = await compileForFirstStep(() => {
    const { x, labels } = inputs(data[0]!);
    traceStep(trainer, x, labels);
    tf.dispose([x, labels]);
  });
  const step = async (b: Batch) => {
    const { x, labels } = inputs(b);
    const out = trainer.step(x, labels, LR);
    tf.dispose([labels, x, out.correct]);
    await out.loss.data();
    out.loss.dispose();
  };
  reply({ type: 'progress', message: `L=54: warm-up` });
  await timed(() => step(data[0]!));
  reply({ type: 'progress', message: `L=54: measured step` });
  const e = await timed(() => step(data[1]!));
  trainer.dispose();
  net.dispose();
  return {
    network: spec.name,
    batch,
    imagesPerSec: Math.round((batch * 1000 * 100) / e.wallMs) / 100,
    stepMs: Math.round(e.wallMs),
    dispatches: e.dispatches,
    hostMs: Math.round(e.hostMs * 10) / 10,
    prepareMs: Math.round(compiled.ms),
    memory,
  };
}

self.addEventListener('message', (event: MessageEvent<BenchRequest>) => {
  const req = event.data;
  (async () => {
    const init = await initBackend(['webgpu']);
    instrument();
    if (req.profile) instrumentCapture();
    const tinySpec = tinyClassroom();
    const l12 = fromPaper({ arch: 'dmrnet', L: 12 });
    // L=12 first, so its first step compiles on a cold pipeline cache, as a fresh page would.
    const big = req.tinyOnly ? null : await benchNetwork(l12, req.l12Batch, req, 'L=12');
    const tiny = await benchNetwork(tinySpec, req.tinyBatch, req, 'tiny');
    const l54 = req.tinyOnly || req.skipL54 ? null : await benchL54(8);
    const report: Omit<BenchReport, 'mainThreadLongTasks' | 'mainThreadLongTasksMs'> = {
      backend: `${init.backend} (${init.adapter?.architecture || init.adapter?.vendor || 'unknown adapter'})`,
      storageBuffersPerStage: deviceOf().limits.maxStorageBuffersPerShaderStage,
      tiny: tiny.times,
      l12: big?.times ?? null,
      // Issue #14's measure: when L=12's first step starts (tiny's with --tiny-only).
      firstStepMs: (big ?? tiny).first.startsAtMs,
      firstStep: { tiny: tiny.first, l12: big?.first ?? null },
      kernelChoices: { l12: big?.kernelChoices ?? null, tiny: tiny.kernelChoices },
      tuneMs: { l12: big?.tuneMs ?? 0, tiny: tiny.tuneMs },
      l54,
      // Planned, not run: the paper's 14.9M-parameter DMRNet-Wide at batch 64 (Table 3).
      wideL30Memory: memoryReport(fromPaper({ arch: 'dmrnet', L: 30, widen: 4 }), 64),
      ...(req.profile ? { stepProfile: { l12: big?.profile ?? null, tiny: tiny.profile! } } : {}),
      setup: {
        tinyNetwork: tinySpec.name,
        l12Network: big ? l12.name : 'not measured (--tiny-only)',
        tinyBatch: req.tinyBatch,
        l12Batch: big ? req.l12Batch : 0,
        measuredSteps: req.steps,
        warmupSteps: req.warmup,
      },
    };
    reply({ type: 'bench', report });
  })().catch((e: unknown) =>
    reply({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
