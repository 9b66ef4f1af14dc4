import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../protocol/training';
import { chooseStep } from './stepChoice';

const config = (bnBatch?: number) =>
  ({ batchSize: 64, ...(bnBatch === undefined ? {} : { bnBatch }) }) as RunConfig;

describe('chooseStep', () => {
  it('takes the fused step on WebGPU with whole-batch BN, silently', () => {
    expect(chooseStep(config(), 'webgpu')).toEqual({ fused: true, bnGroups: 1, note: null });
    expect(chooseStep(config(0), 'webgpu')).toEqual({ fused: true, bnGroups: 1, note: null });
  });

  it('falls back to the unfused step on WebGPU for ghost BN, and says so', () => {
    const c = chooseStep(config(32), 'webgpu');
    expect(c.fused).toBe(false);
    expect(c.bnGroups).toBe(2);
    expect(c.note).toMatch(/Unfused WebGPU step: ghost batch norm \(BN over 32 of 64 images\)/);
  });

  it('takes the tfjs step elsewhere, with ghost BN when asked', () => {
    expect(chooseStep(config(32), 'cpu')).toEqual({ fused: false, bnGroups: 2, note: null });
    expect(chooseStep(config(), 'webgl')).toEqual({ fused: false, bnGroups: 1, note: null });
  });
});
