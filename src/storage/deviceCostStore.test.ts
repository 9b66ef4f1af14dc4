import { describe, expect, it } from 'vitest';
import { tinyClassroom } from '../model/presets';
import { calibrationFrom, costFeatures } from '../model/trainingCost';
import { deviceCostKey, readDeviceCost, writeDeviceCost } from './deviceCostStore';

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    map,
  };
}

const features = costFeatures(tinyClassroom());
const measured = {
  features,
  batch: 16,
  secondsPerStep: 1.2,
  prepareSeconds: 3,
  firstStepSeconds: 2,
  small: { features, batch: 2, secondsPerStep: 0.6 },
};
const value = { calibration: calibrationFrom(measured), measured };
const adapter = {
  vendor: 'google',
  architecture: 'swiftshader',
  description: '',
  device: '',
  limits: {
    maxBufferSize: 1,
    maxStorageBufferBindingSize: 1,
    maxComputeWorkgroupStorageSize: 1,
    maxComputeInvocationsPerWorkgroup: 1,
    maxComputeWorkgroupSizeX: 1,
    maxComputeWorkgroupsPerDimension: 1,
  },
};

describe('deviceCostStore', () => {
  it('keeps one calibration per backend and adapter, and reads it back whole', () => {
    const storage = memoryStorage();
    const key = deviceCostKey('webgpu', adapter);
    expect(key).not.toBe(deviceCostKey('webgpu', { ...adapter, architecture: 'ampere' }));
    expect(key).not.toBe(deviceCostKey('webgl', null));
    expect(readDeviceCost(storage, key)).toBeNull();
    writeDeviceCost(storage, key, value);
    expect(readDeviceCost(storage, key)).toEqual(value);
    expect(readDeviceCost(storage, deviceCostKey('cpu', null))).toBeNull();
  });

  it('ignores a damaged or older entry instead of using part of it', () => {
    const storage = memoryStorage();
    const key = deviceCostKey('webgpu', adapter);
    storage.setItem(key, '{not json');
    expect(readDeviceCost(storage, key)).toBeNull();
    const older: Partial<typeof value.calibration> = { ...value.calibration };
    delete older.secondsPerLayer; // an entry written before the per-layer term
    storage.setItem(key, JSON.stringify({ ...value, calibration: older }));
    expect(readDeviceCost(storage, key)).toBeNull();
    storage.setItem(
      key,
      JSON.stringify({ ...value, calibration: { ...value.calibration, loadSeconds: -1 } }),
    );
    expect(readDeviceCost(storage, key)).toBeNull();
  });

  it('survives a storage that refuses writes', () => {
    const full = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(() => writeDeviceCost(full, 'k', value)).not.toThrow();
  });
});
