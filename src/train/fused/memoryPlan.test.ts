import { describe, expect, it } from 'vitest';
import { analyzeNetwork } from '../../model/analysis';
import { fromPaper } from '../../model/presets';
import { memoryRefusal, planStepMemory } from './memoryPlan';

const GiB = 2 ** 30;

describe('planStepMemory', () => {
  it("counts the network's parameters as the analysis does", () => {
    for (const spec of [
      fromPaper({ arch: 'dmrnet', L: 12 }),
      fromPaper({ arch: 'dmrnet', L: 30, widen: 4 }),
    ]) {
      const { params, nonTrainable } = analyzeNetwork(spec, { batch: 1 });
      expect(planStepMemory(spec, 1).parameterBytes).toBe((params + nonTrainable) * 4);
    }
  });

  it('grows with the batch in the activations only', () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 12 });
    const a = planStepMemory(spec, 8);
    const b = planStepMemory(spec, 16);
    expect(b.parameterBytes).toBe(a.parameterBytes);
    expect(b.savedActivationBytes).toBeGreaterThan(1.9 * a.savedActivationBytes);
    expect(b.totalBytes).toBeGreaterThan(a.totalBytes);
  });

  it('plans DMRNet-Wide L=30 at batch 64 (14.9M parameters) in GiB, not MiB', () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 30, widen: 4 });
    expect(analyzeNetwork(spec, { batch: 64 }).params).toBeGreaterThan(14.8e6);
    const p = planStepMemory(spec, 64);
    expect(p.totalBytes).toBeGreaterThan(1 * GiB);
    expect(p.totalBytes).toBeLessThan(8 * GiB);
    expect(p.largestBuffer.bytes).toBeGreaterThan(0);
  });
});

describe('memoryRefusal', () => {
  const spec = fromPaper({ arch: 'dmrnet', L: 30, widen: 4 });
  const p = planStepMemory(spec, 64);

  it('refuses a buffer over the per-buffer limit with the size it needs', () => {
    const limit = p.largestBuffer.bytes - 1;
    const why = memoryRefusal(p, { maxBufferSize: limit, maxStorageBufferBindingSize: limit });
    expect(why).toMatch(
      new RegExp(`needs a ${Math.round(p.largestBuffer.bytes / 2 ** 20)} MiB buffer`),
    );
    expect(why).toMatch(/batch 64/);
  });

  it('accepts what fits', () => {
    expect(
      memoryRefusal(p, {
        maxBufferSize: 4 * GiB,
        maxStorageBufferBindingSize: 4 * GiB,
      }),
    ).toBeNull();
  });
});
