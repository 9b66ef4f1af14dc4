/**
 * This device's cost calibration (model/trainingCost.ts), kept across reloads in localStorage,
 * one entry per adapter: a reload shows the estimates at once, with everything the earlier
 * runs taught them, instead of measuring the device again. Validated on read: a damaged or
 * older entry is ignored (the device is measured afresh), never half-used.
 */
import { z } from 'zod';
import type { AdapterSummary, BackendName } from '../model/backend';
import type { DeviceMeasurement } from '../model/trainingCost';
import type { MarkerStorage } from './storedMarker';

const KEY_PREFIX = 'dmrnet-device-cost:v3:';

/** The entry's key: the backend and what the adapter says it is. */
export function deviceCostKey(backend: BackendName, adapter: AdapterSummary | null): string {
  const name = adapter
    ? [adapter.vendor, adapter.architecture, adapter.device, adapter.description].join('|')
    : '';
  return `${KEY_PREFIX}${backend}:${name}`;
}

const positive = z.number().finite().nonnegative();
const features = z.object({
  forwardMacsPerImage: positive,
  laneMacsPerImage: positive,
  convLayers: positive,
  distinctConvShapes: positive,
});
const observation = z.object({ features, batch: positive, secondsPerStep: positive });
const schema = z.object({
  calibration: z.object({
    secondsPerMultiplyAdd: positive,
    secondsPerLayer: positive,
    secondsPerShape: positive,
    firstStepSecondsPerLayer: positive,
    loadSeconds: positive,
    steps: z
      .array(
        z.object({
          macs: positive,
          convLayers: positive,
          seconds: z.number().finite().positive(),
          count: positive,
          run: z.boolean(),
        }),
      )
      .max(64),
    source: z.enum(['calibration', 'runs']),
    samples: positive,
  }),
  measured: observation.extend({
    prepareSeconds: positive,
    firstStepSeconds: positive,
    small: observation,
  }),
});

export function readDeviceCost(storage: MarkerStorage, key: string): DeviceMeasurement | null {
  try {
    const parsed = schema.safeParse(JSON.parse(storage.getItem(key) ?? 'null'));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Best effort: a full or disabled localStorage only means measuring again after a reload. */
export function writeDeviceCost(
  storage: MarkerStorage,
  key: string,
  value: DeviceMeasurement,
): void {
  try {
    storage.setItem(key, JSON.stringify(value));
  } catch {
    // Nothing to tell the user: the estimates still work for this page's life.
  }
}
