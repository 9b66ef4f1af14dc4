import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { KernelChoicesReport } from '../model/kernelChoices';
import { tinyClassroom } from '../model/presets';
import { adapterKey, KernelChoiceStore } from '../storage/kernelChoiceStore';
import { backwardChoice, forwardChoice, resetChoices } from './fused/conv';
import { KERNELS_VERSION, networkConvShapes, describeShape } from './fused/tuning';
import { KernelTuner } from './kernelTuner';

const key = adapterKey(
  { vendor: 'google', architecture: 'swiftshader', description: '' },
  { tfjs: '4.22.0', kernels: KERNELS_VERSION },
);
const spec = tinyClassroom({ width: 4 });

describe('KernelTuner.beforeRun', () => {
  it('applies the cached layouts of the adapter and leaves the other passes to time', async () => {
    resetChoices();
    const store = await KernelChoiceStore.open('tuner-cache');
    const [stem, second] = networkConvShapes(spec, 8).map((s) => s.shape);
    await store.put({
      adapter: key,
      shape: describeShape(stem!),
      pass: 'forward',
      candidates: [
        { name: 'ours wg256 t4 p4', ms: 6, identical: true },
        { name: 'ours wg64 t4 p2', ms: 4, identical: true },
      ],
      choice: 'ours wg64 t4 p2',
      measuredAt: 1,
    });
    // A choice this version does not offer for the shape (tile 8 does not divide 4 channels):
    // ignored, and the pass timed again.
    await store.put({
      adapter: key,
      shape: describeShape(second!),
      pass: 'backward',
      candidates: [{ name: 'ours wg64 t8 p4', ms: 1, identical: true }],
      choice: 'ours wg64 t8 p4',
      measuredAt: 1,
    });
    const reports: KernelChoicesReport[] = [];
    const tuner = new KernelTuner(key, Promise.resolve(store), (r) => reports.push(r));
    await tuner.beforeRun(spec, 8);
    const report = reports.at(-1)!;
    expect(report.adapterKey).toBe(key);
    expect(report.choices).toHaveLength(1);
    expect(report.choices[0]).toMatchObject({ choice: 'ours wg64 t4 p2', source: 'cache' });
    expect(report.pending).toBe(15); // 8 shapes x 2 passes, one cached
    expect(report.timedCandidates).toBe(0);
    expect(tuner.busy).toBe(true);
    expect(forwardChoice(stem!)).toEqual({ wg: 64, tile: 4, pix: 2 });
    // The untuned layout (4 channels: tile 4, 4 pixels, filter-gradient block 4 x 4).
    expect(backwardChoice(second!)).toEqual({ wg: 64, tile: 4, pix: 4, dwCi: 4, dwCo: 4 });

    // Clear: the stored choice goes, the layouts are the untuned ones again.
    await tuner.clear();
    expect(tuner.report().choices).toEqual([]);
    expect(forwardChoice(stem!)).toEqual({ wg: 256, tile: 4, pix: 4 });
    expect((await store.load(key)).records).toEqual([]);
    store.close();
  });
});
