import { describe, expect, it } from 'vitest';
import { readSafetensors, SafetensorsError, writeSafetensors } from './safetensors';

describe('safetensors', () => {
  const tensors = [
    { name: 'a.weight', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) },
    { name: 'b', shape: [1], data: Float32Array.from([Math.PI]) },
    { name: 'empty', shape: [0], data: new Float32Array(0) },
  ];

  it('writes the documented layout: u64 LE header length, JSON header, aligned raw data', () => {
    const bytes = writeSafetensors(tensors, { network: 'x' });
    const view = new DataView(bytes.buffer);
    const n = Number(view.getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
      string,
      { dtype: string; shape: number[]; data_offsets: number[] }
    >;
    expect(header['a.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header.b).toEqual({ dtype: 'F32', shape: [1], data_offsets: [24, 28] });
    expect(header.__metadata__).toEqual({ network: 'x' });
    expect(bytes.length).toBe(8 + n + 28);
    expect(view.getFloat32(8 + n + 20, true)).toBe(-6.5);
  });

  it('round-trips names, shapes, values and metadata', () => {
    const back = readSafetensors(writeSafetensors(tensors, { k: 'v' }));
    expect(back.metadata).toEqual({ k: 'v' });
    expect(back.tensors.map((t) => [t.name, t.shape, Array.from(t.data)])).toEqual(
      tensors.map((t) => [t.name, t.shape, Array.from(t.data)]),
    );
  });

  it('rejects a shape that does not match the data, and duplicate names', () => {
    expect(() => writeSafetensors([{ name: 'x', shape: [3], data: new Float32Array(2) }])).toThrow(
      /needs 3 values, got 2/,
    );
    expect(() => writeSafetensors([tensors[1]!, tensors[1]!])).toThrow(/used twice/);
  });

  it('says what is wrong with a corrupt or truncated file', () => {
    const good = writeSafetensors(tensors);
    expect(() => readSafetensors(good.subarray(0, 5))).toThrow(SafetensorsError);
    expect(() => readSafetensors(good.subarray(0, 5))).toThrow(/too short/);
    expect(() => readSafetensors(good.subarray(0, good.length - 4))).toThrow(/truncated/);
    const garbage = good.slice();
    garbage[9] = 0x7b; // '{' where a quote was: the header is no longer JSON
    garbage[10] = 0x7b;
    expect(() => readSafetensors(garbage)).toThrow(/not JSON/);
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => readSafetensors(huge)).toThrow(/header claims/);
  });
});
