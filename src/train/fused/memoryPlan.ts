/**
 * The GPU memory a fused training step needs, planned from the network plan before anything
 * is allocated, and checked against the adapter's limits (issue 16, item 5: DMRNet-Wide L=30
 * at batch 64 planned and reported before the run; a network that cannot fit is refused with
 * the number it would need).
 *
 * What the step holds (float32 everywhere), after ./step.ts, ./conv.ts, ./bnAddRelu.ts and
 * ./nesterov.ts:
 * - parameters: weights, BN running averages, the momentum slots (checkpointed), and the
 *   optimizer's four flat buffers (weights, gradients, momentum, decay);
 * - saved for the backward pass: every conv output and BN [+ add] [+ ReLU] output (the conv
 *   saves its input, which is the previous BN output), the BN statistics, the merges' means
 *   (Eq. 3) and the input batch;
 * - the filter gradients' partial sums of a whole backward pass, held until the batched
 *   launch sums them (FilterGradBatch), plus its own copy of them and its flat result;
 * - the backward pass's transient gradients: at most a few feature maps at once (dy, dx and a
 *   residual's gradient, plus one being accumulated), planned as four of the largest.
 * WebGPU gives no figure for a device's total memory (and navigator.deviceMemory is capped at
 * 8 GiB), so the plan is refused on the per-buffer limits, and its total is reported.
 */
import { convBnLayers, planNetwork, type ConvBnPlan } from '../../model/plan';
import type { NetworkSpec } from '../../model/spec';
import { convShape, filterGradChunks } from './conv';

export interface StepMemoryPlan {
  batch: number;
  parameterBytes: number;
  optimizerBytes: number;
  savedActivationBytes: number;
  filterGradBytes: number;
  transientBytes: number;
  totalBytes: number;
  /** The largest single buffer (one tensor or one of the flat buffers) and what it is. */
  largestBuffer: { bytes: number; where: string };
}

export interface MemoryLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

const F32 = 4;

function mapFloats(batch: number, l: ConvBnPlan): number {
  return batch * l.outSize.height * l.outSize.width * l.outChannels;
}

export function planStepMemory(spec: NetworkSpec, batch: number): StepMemoryPlan {
  const plan = planNetwork(spec);
  const layers = convBnLayers(plan);
  let largest = { bytes: 0, where: '' };
  const consider = (floats: number, where: string) => {
    if (floats * F32 > largest.bytes) largest = { bytes: floats * F32, where };
  };

  let params = 0;
  let running = 0;
  for (const l of layers) {
    params += l.kernel * l.kernel * l.inChannels * l.outChannels + 2 * l.outChannels;
    running += 2 * l.outChannels;
  }
  for (const c of plan.classifiers) params += c.inFeatures * c.classes + c.classes;
  // Weights and running averages; momentum slots; the optimizer's flat copies (4 x params).
  const parameterBytes = (params + running) * F32;
  const optimizerBytes = (params + 4 * params) * F32;
  consider(params, 'the optimizer’s flat weight buffer');

  const { height, width, channels } = spec.input;
  let saved = batch * height * width * channels;
  consider(saved, 'the input batch');
  let widestMap = 0;
  let partials = 0;
  for (const l of layers) {
    const map = mapFloats(batch, l);
    // The conv's output (the BN's saved input) and the BN's output, plus [mean | 1/std | gamma].
    saved += 2 * map + 3 * l.outChannels;
    widestMap = Math.max(widestMap, map);
    consider(map, `${l.conv} output`);
    const s = convShape(
      [batch, l.inSize.height, l.inSize.width, l.inChannels],
      [l.kernel, l.kernel, l.inChannels, l.outChannels],
      l.stride,
      l.kernel === 3 ? 1 : 0,
    );
    const { chunks } = filterGradChunks(s);
    const weights = l.kernel * l.kernel * l.inChannels * l.outChannels;
    if (chunks > 1) {
      partials += chunks * weights;
      consider(chunks * weights, `${l.conv} filter-gradient partial sums`);
    }
  }
  for (const b of plan.blocks) {
    // A merge (Eq. 3) or a change of stream count keeps its sum and its mean.
    if (b.kind === 'mergeAndRun' || b.inputStreams > 1) {
      saved += 2 * batch * b.outSize.height * b.outSize.width * b.outChannels;
    }
  }
  // The batched launch's partial buffer is as large as all partial sums together.
  const filterGradBytes = (2 * partials + params) * F32;
  if (partials > 0) consider(partials, 'the batched filter-gradient partial sums');
  const transientBytes = 4 * widestMap * F32;
  const savedActivationBytes = saved * F32;
  return {
    batch,
    parameterBytes,
    optimizerBytes,
    savedActivationBytes,
    filterGradBytes,
    transientBytes,
    totalBytes:
      parameterBytes + optimizerBytes + savedActivationBytes + filterGradBytes + transientBytes,
    largestBuffer: largest,
  };
}

const MiB = 2 ** 20;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;

/** Why the planned step cannot run on this adapter (with the numbers), or null if it fits. */
export function memoryRefusal(p: StepMemoryPlan, limits: MemoryLimits): string | null {
  const perBuffer = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  if (p.largestBuffer.bytes > perBuffer) {
    return (
      `This network needs a ${mib(p.largestBuffer.bytes)} buffer (${p.largestBuffer.where}) ` +
      `at batch ${p.batch}, but this GPU allows at most ${mib(perBuffer)} per buffer. ` +
      `Lower the batch size or the width.`
    );
  }
  return null;
}
