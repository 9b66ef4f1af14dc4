/** Messages between the bench page (bench.html) and its workers. */
import type { KernelChoice } from '../../src/train/fused/tuning';
import type { ConvBenchShape } from './convBench';
import type { ResumeReport } from './resumeCheck';

export interface KernelDiff {
  /** What was compared, e.g. "bnAddRelu(res, relu).dgamma". */
  name: string;
  /** Max |fused - reference| over all values (reference: tfjs's CPU backend). */
  maxAbsDiff: number;
  /** Largest |reference| value, for scale. */
  maxAbsReference: number;
}

/** A bias or BN beta with zero gradient, before and after one fused optimizer step. */
export interface DecayCheck {
  rule: string;
  name: string;
  lr: number;
  weightDecay: number;
  momentum: number;
  before: number[];
  after: number[];
}

export interface CheckReport {
  backend: string;
  diffs: KernelDiff[];
  /** The fused step's optimizer under each weight-decay rule (./decayCheck.ts). */
  decay: DecayCheck[];
  /** Loss per step of the fused step (WebGPU) and the unfused step (CPU), same seed. */
  lossCurve: { fused: number[]; reference: number[] };
  /** tf.memory().numTensors after each fused step (flat when nothing leaks). */
  tensorsAfterStep: number[];
  /**
   * Conv layouts (forward and backward) compared bit for bit with the untuned layout on the
   * same inputs, and those whose results differed (the tuner may choose only identical ones).
   */
  layoutBits: { compared: number; mismatches: string[] };
  /**
   * A trainer prepared as the app prepares one (its batch gone after the first step): conv
   * passes on quick-to-compile layouts after the first step, and once the chosen layouts
   * compiled in the background (step.ts's `compileForFirstStep`), with the steps it took.
   */
  quickLayouts: { afterFirstStep: number; atEnd: number; steps: number };
  ms: number;
}

export interface StepTimes {
  engineImagesPerSec: number;
  baselineImagesPerSec: number;
  ratio: number;
  engineDispatchesPerStep: number;
  baselineDispatchesPerStep: number;
  engineHostMsPerStep: number;
  baselineHostMsPerStep: number;
}

/** From the trainer's creation (ms): preparation, then the first step. */
export interface FirstStep {
  /** Compiling every pipeline of the step ahead, in parallel. */
  prepareMs: number;
  /** Distinct pipelines of ours the step uses; those compiled here (not cached already). */
  pipelines: number;
  pipelinesCompiled: number;
  tfjsProgramsCompiled: number;
  /** The first step's commands are recorded and submitted: its GPU work runs. */
  startsAtMs: number;
  /** Its loss is on the CPU. */
  doneAtMs: number;
}

/** A fused step's planned GPU memory (src/train/fused/memoryPlan.ts), MiB. */
export interface MemoryReport {
  network: string;
  batch: number;
  params: number;
  totalMiB: number;
  parametersMiB: number;
  optimizerMiB: number;
  savedActivationsMiB: number;
  filterGradientsMiB: number;
  transientsMiB: number;
  largestBuffer: { MiB: number; where: string };
  /** The adapter's per-buffer limit (min of maxBufferSize and the storage binding size). */
  adapterMaxBufferMiB: number;
  /** Why the adapter cannot take it, or null. */
  refusal: string | null;
}

/** One kind of kernel in a profiled step (./stepProfile.ts). */
export interface KindTime {
  kind: string;
  dispatches: number;
  ms: number;
  /** Of the step's summed kernel time. */
  share: number;
}

/** A step's dispatches, each replayed alone and timed, summed per kind (bench --profile). */
export interface StepProfile {
  dispatches: number;
  /** Sum of the kernels' times, ms (each alone, so no overlap). */
  gpuMs: number;
  /** An empty submission's round trip, subtracted from each. */
  emptySubmitMs: number;
  kinds: KindTime[];
}

export interface L54Report {
  network: string;
  batch: number;
  imagesPerSec: number;
  stepMs: number;
  dispatches: number;
  hostMs: number;
  prepareMs: number;
  memory: MemoryReport;
}

export interface BenchReport {
  backend: string;
  /**
   * The device's maxStorageBuffersPerShaderStage (tfjs asks for no more than WebGPU's default
   * 8): it decides which fan-in sums of the recorded step fit a BN kernel's bindings.
   */
  storageBuffersPerStage: number;
  tiny: StepTimes;
  /** Null with --tiny-only. */
  l12: StepTimes | null;
  /** Main-thread tasks over 50 ms while the worker trained (-1: no Long Tasks API). */
  mainThreadLongTasks: number;
  /** Their durations, ms. */
  mainThreadLongTasksMs: number[];
  /** Those during page load and the worker's set-up, before training began. */
  longTasksBeforeTraining?: number;
  /** When L=12's first step starts, ms after its trainer is made (FirstStep.startsAtMs). */
  firstStepMs: number;
  firstStep: { tiny: FirstStep; l12: FirstStep | null };
  /**
   * Per conv shape: the forward candidates' measured ms and the one kept (null: not tuned,
   * --no-tune). Tuned after the first step, before the measured steps.
   */
  kernelChoices: { l12: KernelChoice[] | null; tiny: KernelChoice[] | null };
  /** What the tuning took (compiling and timing the candidates), ms. */
  tuneMs: { l12: number; tiny: number };
  /** DMRNet L=54, batch 8, one measured step (null with --tiny-only or --no-l54). */
  l54: L54Report | null;
  wideL30Memory: MemoryReport;
  /** With --profile: one measured engine step per network, per kind of kernel. */
  stepProfile?: { l12: StepProfile | null; tiny: StepProfile };
  /** How it was measured (batch sizes, steps), so the numbers can be read. */
  setup: Record<string, number | string>;
}

export type WorkerReply =
  | { type: 'check'; report: CheckReport }
  | { type: 'bench'; report: Omit<BenchReport, 'mainThreadLongTasks' | 'mainThreadLongTasksMs'> }
  | { type: 'resume'; report: ResumeReport }
  | { type: 'convBench'; report: { shapes: ConvBenchShape[] } }
  | { type: 'progress'; message: string }
  | { type: 'error'; message: string };

export interface BenchRequest {
  tinyBatch: number;
  l12Batch: number;
  steps: number;
  warmup: number;
  /** Skip the L=12 network (quick runs while developing). */
  tinyOnly: boolean;
  /** Skip the L=54 step. */
  skipL54: boolean;
  /** Tune the conv forward per shape before the measured steps. */
  tune: boolean;
  /** Profile one more engine step per network, per kind of kernel (./stepProfile.ts). */
  profile: boolean;
}
