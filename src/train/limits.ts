/**
 * Whether a network fits the adapter before anything is allocated: tfjs keeps each tensor in
 * one GPU buffer, so the largest single tensor (an activation, or the im2col matrix a 3x3
 * convolution may build, 9 x the input channels) must fit maxStorageBufferBindingSize and
 * maxBufferSize. A network that does not fit is refused with the reason and what to change.
 */
import type { NetworkSpec } from '../model/spec';

export interface BufferLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface LargestBuffer {
  bytes: number;
  where: string;
}

/** The largest float32 buffer one training step needs for `spec` at `batchSize`. */
export function largestBuffer(spec: NetworkSpec, batchSize: number): LargestBuffer {
  let h = spec.input.height;
  let w = spec.input.width;
  let best: LargestBuffer = { bytes: 0, where: '' };
  const consider = (bytes: number, where: string): void => {
    if (bytes > best.bytes) best = { bytes, where };
  };
  const stem = spec.stemWidth * spec.widen;
  consider(batchSize * h * w * spec.input.channels * 9 * 4, 'conv0 (im2col)');
  consider(batchSize * h * w * stem * 4, 'conv0 output');
  let channels = stem;
  spec.stages.forEach((stage, s) => {
    const out = stage.width * spec.widen;
    // The first 3x3 conv of the stage reads the full-resolution input.
    const oh = Math.ceil(h / stage.stride);
    const ow = Math.ceil(w / stage.stride);
    consider(batchSize * oh * ow * channels * 9 * 4, `stage ${s + 1} first conv (im2col)`);
    consider(batchSize * oh * ow * out * 9 * 4, `stage ${s + 1} conv (im2col)`);
    consider(batchSize * oh * ow * out * 4, `stage ${s + 1} activations`);
    channels = out;
    h = oh;
    w = ow;
  });
  return best;
}

const MiB = 1024 * 1024;

/** A reason the network cannot train on this adapter, or null when it fits. */
export function adapterRefusal(
  spec: NetworkSpec,
  batchSize: number,
  limits: BufferLimits,
): string | null {
  const largest = largestBuffer(spec, batchSize);
  const limit = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  if (largest.bytes <= limit) return null;
  return (
    `This network is too large for this GPU: ${largest.where} needs one ` +
    `${(largest.bytes / MiB).toFixed(0)} MiB buffer at batch ${batchSize}, but the adapter ` +
    `allows at most ${(limit / MiB).toFixed(0)} MiB per buffer. Lower the batch size or the width.`
  );
}
