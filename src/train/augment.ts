/**
 * Augmentation on the device (Section 4.2): pad 4 pixels (zero, as the paper, or each
 * channel's rounded mean, as the authors' train_model.py: see `padFill`), take a random 32x32 crop, flip
 * half the images horizontally; then normalise each channel with the training set's mean and
 * std. The random choices are drawn on the CPU from the seeded generator (a few numbers per
 * image) and applied on the device in one crop-and-resize: nearest-neighbour sampling on
 * integer-aligned boxes is an exact crop, and a box whose x1 > x2 is the mirrored crop.
 */
import * as tf from '@tensorflow/tfjs';
import type { PadFill } from '../model/recipe';
import type { Rng } from '../model/random';

export interface AugmentParams {
  /** Per image: the crop's top and left offsets in the padded image, in [0, 2 * pad]. */
  offsets: Int32Array;
  /** Per image: 1 when the image is flipped horizontally. */
  flips: Uint8Array;
  pad: number;
  /** Per channel, the padding's pixel value (0..255); absent: zero padding. */
  fill?: readonly number[];
}

/**
 * The padding's pixel values for a fill rule: zero (the paper says "zero padding") or each
 * channel's training-set mean rounded to a pixel value (the fill values the authors'
 * train_model.py passes to MXNet's augmenter). `mean` is on the 0..255 scale.
 */
export function padFill(rule: PadFill, mean: readonly number[]): number[] {
  return mean.map((m) => (rule === 'mean' ? Math.round(m) : 0));
}

/** Draws one batch's crops and flips. */
export function drawAugmentation(rng: Rng, count: number, pad: number): AugmentParams {
  const offsets = new Int32Array(count * 2);
  const flips = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    offsets[2 * i] = rng.int(2 * pad + 1);
    offsets[2 * i + 1] = rng.int(2 * pad + 1);
    flips[i] = rng.next() < 0.5 ? 1 : 0;
  }
  return { offsets, flips, pad };
}

/** Crop boxes in crop-and-resize's normalised coordinates, mirrored where flipped. */
export function cropBoxes(params: AugmentParams, height: number, width: number): Float32Array {
  const n = params.flips.length;
  const boxes = new Float32Array(n * 4);
  const ph = height + 2 * params.pad - 1;
  const pw = width + 2 * params.pad - 1;
  for (let i = 0; i < n; i++) {
    const top = params.offsets[2 * i]!;
    const left = params.offsets[2 * i + 1]!;
    const right = left + width - 1;
    const flipped = params.flips[i] === 1;
    boxes[4 * i] = top / ph;
    boxes[4 * i + 1] = (flipped ? right : left) / pw;
    boxes[4 * i + 2] = (top + height - 1) / ph;
    boxes[4 * i + 3] = (flipped ? left : right) / pw;
  }
  return boxes;
}

/** Pixel values 0..255 as floats, NHWC, from the loader's bytes. */
export function imagesToTensor(
  images: Uint8Array,
  count: number,
  height: number,
  width: number,
  channels: number,
): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(images.subarray(0, count * height * width * channels)), [
    count,
    height,
    width,
    channels,
  ]);
}

/** Pad, crop and flip (when `params` is given), then normalise per channel. */
export function augmentAndNormalize(
  raw: tf.Tensor4D,
  params: AugmentParams | null,
  mean: readonly number[],
  std: readonly number[],
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w] = raw.shape;
    let x = raw;
    if (params) {
      const p = params.pad;
      const paddings: [number, number][] = [
        [0, 0],
        [p, p],
        [p, p],
        [0, 0],
      ];
      // tf.pad fills with one scalar: pad (x - fill) with zeros and add fill back (exact on
      // 0..255 integers in float32).
      const fill = params.fill && params.fill.some((f) => f !== 0) ? params.fill : null;
      const padded: tf.Tensor4D = fill
        ? tf.pad(raw.sub(tf.tensor1d([...fill])), paddings).add(tf.tensor1d([...fill]))
        : tf.pad(raw, paddings);
      const boxes = tf.tensor2d(cropBoxes(params, h, w), [n, 4]);
      const boxInd = tf.range(0, n, 1, 'int32') as tf.Tensor1D;
      x = tf.image.cropAndResize(padded, boxes, boxInd, [h, w], 'nearest');
    }
    return x.sub(tf.tensor1d(mean as number[])).div(tf.tensor1d(std as number[])) as tf.Tensor4D;
  });
}
