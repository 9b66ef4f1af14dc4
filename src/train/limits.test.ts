import { describe, expect, it } from 'vitest';
import { fromPaper, tinyClassroom } from '../model/presets';
import { adapterRefusal, largestBuffer } from './limits';

const MiB = 1024 * 1024;

describe('adapter limits', () => {
  it('finds the largest buffer: the first stage im2col at full resolution', () => {
    const spec = tinyClassroom({ width: 8 });
    const largest = largestBuffer(spec, 64);
    expect(largest.bytes).toBe(64 * 32 * 32 * 8 * 9 * 4);
    expect(largest.where).toMatch(/stage 1/);
  });

  it('accepts a network that fits and refuses one that does not, with the reason', () => {
    const limits = { maxBufferSize: 256 * MiB, maxStorageBufferBindingSize: 128 * MiB };
    expect(adapterRefusal(tinyClassroom({ width: 4 }), 16, limits)).toBeNull();
    const wide = fromPaper({ arch: 'dmrnet', L: 30, widen: 4 });
    const reason = adapterRefusal(wide, 64, limits);
    expect(reason).toMatch(/too large for this GPU/);
    expect(reason).toMatch(/128 MiB per buffer/);
    expect(reason).toMatch(/Lower the batch size or the width/);
  });
});
