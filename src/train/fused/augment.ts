/**
 * Section 4.2's augmentation in one kernel: zero-pad 4 pixels, a random 32x32 crop, a
 * horizontal flip of half the images, uint8 -> float and per-channel normalisation.
 *
 * Input: uint8 NHWC pixels packed four to an int32 (tfjs has no uint8 tensors), and the
 * trainer's AugmentParams (crop corners in the padded image, flips) drawn on the CPU.
 * Padding is in pixel space (value 0, or the params' per-channel `fill`) before
 * normalisation, as torchvision's RandomCrop before Normalize and MXNet's ImageRecordIter do.
 */
import * as tf from '@tensorflow/tfjs';
import type { AugmentParams } from '../augment';
import { dispatch, emptyTensor, gridFor } from './runtime';

const AUGMENT_WGSL = /* wgsl */ `
struct U { total: u32, h: u32, w: u32, c: u32, pad: i32 }
@group(0) @binding(0) var<storage, read> pixels: array<u32>;
@group(0) @binding(1) var<storage, read> crops: array<i32>;
@group(0) @binding(2) var<storage, read> meanStd: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let stride = nw.x * 256u;
  for (var i = gid.x; i < u.total; i = i + stride) {
    let ch = i % u.c;
    let x = (i / u.c) % u.w;
    let y = (i / (u.c * u.w)) % u.h;
    let n = i / (u.c * u.w * u.h);
    let dy = crops[n * 3u];
    let dx = crops[n * 3u + 1u];
    var xs = i32(x);
    if (crops[n * 3u + 2u] != 0) { xs = i32(u.w) - 1 - xs; }
    let sy = i32(y) + dy - u.pad;
    let sx = xs + dx - u.pad;
    var v = meanStd[2u * u.c + ch];
    if (sy >= 0 && sy < i32(u.h) && sx >= 0 && sx < i32(u.w)) {
      let src = ((n * u.h + u32(sy)) * u.w + u32(sx)) * u.c + ch;
      v = f32((pixels[src / 4u] >> ((src % 4u) * 8u)) & 255u);
    }
    out[i] = (v / 255.0 - meanStd[ch]) / meanStd[u.c + ch];
  }
}`;

/** Packs uint8 pixels four to an int32 word (little-endian, as the kernel reads them). */
export function packPixels(pixels: Uint8Array): Int32Array {
  const words = new Int32Array(Math.ceil(pixels.length / 4));
  new Uint8Array(words.buffer).set(pixels);
  return words;
}

/** Per image (dy, dx, flip), the kernel's layout; no params means the centre crop, unflipped. */
function cropTable(n: number, params: AugmentParams | null, pad: number): Int32Array {
  const crops = new Int32Array(n * 3);
  for (let i = 0; i < n; i++) {
    crops[i * 3] = params ? params.offsets[2 * i]! : pad;
    crops[i * 3 + 1] = params ? params.offsets[2 * i + 1]! : pad;
    crops[i * 3 + 2] = params ? params.flips[i]! : 0;
  }
  return crops;
}

/** One dispatch: [N, H, W, C] uint8 pixels (packed) -> augmented, normalised float32. */
export function augmentFused(
  packed: tf.Tensor1D,
  shape: [number, number, number, number],
  params: AugmentParams | null,
  mean: readonly number[],
  std: readonly number[],
): tf.Tensor4D {
  const [n, h, w, c] = shape;
  const pad = params?.pad ?? 0;
  const crops = tf.tensor1d(cropTable(n, params, pad), 'int32');
  const fill = params?.fill ?? mean.map(() => 0);
  // The fill (pixel values, 0..255) rides in the same buffer, after the mean and std.
  const meanStd = tf.tensor1d([...mean, ...std, ...fill], 'float32');
  const out = emptyTensor<tf.Rank.R4>(shape);
  const total = n * h * w * c;
  dispatch({
    code: AUGMENT_WGSL,
    bindings: [packed, crops, meanStd, out],
    uniforms: [{ u32: total }, { u32: h }, { u32: w }, { u32: c }, { i32: pad }],
    workgroups: [gridFor(total)],
  });
  crops.dispose();
  meanStd.dispose();
  return out;
}

/**
 * The same augmentation with plain tfjs ops, one image at a time (the reference for the
 * tests: slices and reverses, independent of the kernel's and of crop-and-resize's indexing).
 */
export function augmentReference(
  pixels: Uint8Array,
  shape: [number, number, number, number],
  params: AugmentParams,
  mean: readonly number[],
  std: readonly number[],
): tf.Tensor4D {
  const [n, h, w, c] = shape;
  const p = params.pad;
  return tf.tidy(() => {
    const fill = tf.tensor1d([...(params.fill ?? mean.map(() => 0))]);
    const x = tf.tensor4d(Int32Array.from(pixels), shape, 'int32').toFloat().sub(fill);
    const paddings: [number, number][] = [
      [0, 0],
      [p, p],
      [p, p],
      [0, 0],
    ];
    const padded = tf.pad(x, paddings).add(fill).div(255);
    const images: tf.Tensor3D[] = [];
    for (let i = 0; i < n; i++) {
      const begin = [i, params.offsets[2 * i]!, params.offsets[2 * i + 1]!, 0];
      let img = padded.slice(begin, [1, h, w, c]).reshape([h, w, c]) as tf.Tensor3D;
      if (params.flips[i]) img = tf.reverse(img, 1);
      images.push(img);
    }
    return tf
      .stack(images)
      .sub(tf.tensor1d([...mean]))
      .div(tf.tensor1d([...std])) as tf.Tensor4D;
  });
}
