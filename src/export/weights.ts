/**
 * Browser weights -> PyTorch layout, name for name. The playground stores conv kernels HWIO
 * and fc.weight [in, classes] (tfjs); PyTorch wants OIHW and [classes, in]. BN gamma, beta,
 * running mean and variance and the FC bias are vectors and travel as they are.
 */
import type { BuiltNetwork } from '../model/network';
import { weightNames, type WeightInfo } from '../model/plan';
import type { NetworkSpec } from '../model/spec';
import type { NamedTensor } from './safetensors';

export class WeightsExportError extends Error {
  override name = 'WeightsExportError';
}

/** [kh, kw, in, out] -> [out, in, kh, kw]. */
export function hwioToOihw(data: Float32Array, shape: readonly number[]): NamedTensor['data'] {
  const [kh = 0, kw = 0, cin = 0, cout = 0] = shape;
  const out = new Float32Array(data.length);
  for (let h = 0; h < kh; h++) {
    for (let w = 0; w < kw; w++) {
      for (let i = 0; i < cin; i++) {
        const src = ((h * kw + w) * cin + i) * cout;
        for (let o = 0; o < cout; o++) {
          out[((o * cin + i) * kh + h) * kw + w] = data[src + o] ?? 0;
        }
      }
    }
  }
  return out;
}

/** [rows, cols] -> [cols, rows]. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] ?? 0;
  }
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function torchTensor(info: WeightInfo, data: Float32Array): NamedTensor {
  const s = info.shape;
  if (info.role === 'conv') {
    return {
      name: info.name,
      shape: [s[3] ?? 0, s[2] ?? 0, s[0] ?? 0, s[1] ?? 0],
      data: hwioToOihw(data, s),
    };
  }
  if (info.role === 'fcWeight') {
    return {
      name: info.name,
      shape: [s[1] ?? 0, s[0] ?? 0],
      data: transpose2d(data, s[0] ?? 0, s[1] ?? 0),
    };
  }
  return { name: info.name, shape: [...s], data };
}

/**
 * The spec's weights in PyTorch layout, in the builder's order, from tfjs-layout tensors keyed
 * by name. Throws when a weight is missing, extra or of the wrong shape (weights of another
 * network), saying which.
 */
export function toTorchWeights(spec: NetworkSpec, weights: readonly NamedTensor[]): NamedTensor[] {
  const byName = new Map(weights.map((w) => [w.name, w]));
  const expected = weightNames(spec);
  const missing = expected.filter((e) => !byName.has(e.name)).map((e) => e.name);
  const known = new Set(expected.map((e) => e.name));
  const extra = weights.filter((w) => !known.has(w.name)).map((w) => w.name);
  if (missing.length > 0 || extra.length > 0) {
    throw new WeightsExportError(
      `the weights do not belong to this network: ${missing.length} missing` +
        `${missing.length ? ` (${missing.slice(0, 3).join(', ')})` : ''}, ${extra.length} unexpected` +
        `${extra.length ? ` (${extra.slice(0, 3).join(', ')})` : ''}`,
    );
  }
  return expected.map((info) => {
    const w = byName.get(info.name) as NamedTensor;
    if (!sameShape(w.shape, info.shape)) {
      throw new WeightsExportError(
        `${info.name} has shape [${w.shape.join(', ')}]; this network needs [${info.shape.join(', ')}]`,
      );
    }
    return torchTensor(info, w.data);
  });
}

/** Reads every weight of a built network (trainable and BN statistics) in tfjs layout. */
export function readNetworkWeights(net: BuiltNetwork): NamedTensor[] {
  return [...net.trainable, ...net.nonTrainable].map(({ name, variable }) => ({
    name,
    shape: [...variable.shape],
    data: Float32Array.from(variable.dataSync() as ArrayLike<number>),
  }));
}
