import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import {
  KERNEL_DB_VERSION,
  KernelChoiceStore,
  adapterKey,
  parseKernelChoiceRecord,
  type KernelChoiceRecord,
} from './kernelChoiceStore';

const swiftshader = { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader' };
const versions = { tfjs: '4.22.0', kernels: 2 };

function record(overrides: Partial<KernelChoiceRecord> = {}): KernelChoiceRecord {
  return {
    adapter: adapterKey(swiftshader, versions),
    shape: '8x32x32x16 k3 co16 s1',
    pass: 'forward',
    candidates: [
      { name: 'ours wg64 t8', ms: 104.9, identical: true },
      { name: 'ours wg256 t8', ms: 66.6, identical: true },
      { name: 'tfjs', ms: 1005.5, identical: false },
    ],
    choice: 'ours wg256 t8',
    measuredAt: 1_764_500_000_000,
    ...overrides,
  };
}

describe('adapterKey', () => {
  it('changes with the adapter, the tfjs version and the kernels version', () => {
    const key = adapterKey(swiftshader, versions);
    expect(key).toBe('google | swiftshader | SwiftShader | tfjs 4.22.0 | kernels 2');
    expect(adapterKey({ ...swiftshader, vendor: 'nvidia' }, versions)).not.toBe(key);
    expect(adapterKey({ ...swiftshader, architecture: 'ampere' }, versions)).not.toBe(key);
    expect(adapterKey({ ...swiftshader, description: 'RTX 3060' }, versions)).not.toBe(key);
    expect(adapterKey(swiftshader, { ...versions, tfjs: '4.23.0' })).not.toBe(key);
    expect(adapterKey(swiftshader, { ...versions, kernels: 3 })).not.toBe(key);
  });

  it('names empty fields (browsers may hide them) rather than dropping them', () => {
    expect(adapterKey({ vendor: '', architecture: ' ', description: '' }, versions)).toBe(
      '? | ? | ? | tfjs 4.22.0 | kernels 2',
    );
  });
});

describe('parseKernelChoiceRecord', () => {
  it('accepts a valid record', () => {
    expect(parseKernelChoiceRecord(record())).toEqual(record());
  });

  it.each([
    ['a choice that is no candidate', { choice: 'ours wg512 t8' }],
    ['a choice whose results differ from the untuned layout', { choice: 'tfjs' }],
    ['no candidates', { candidates: [] }],
    ['a negative time', { candidates: [{ name: 'ours wg64 t8', ms: -1, identical: true }] }],
    ['a NaN time', { candidates: [{ name: 'ours wg64 t8', ms: NaN, identical: true }] }],
    ['an unknown pass', { pass: 'sideways' }],
    ['no adapter', { adapter: '' }],
  ])('refuses %s', (_, overrides) => {
    expect(parseKernelChoiceRecord({ ...record(), ...overrides })).toBeNull();
  });

  it('refuses what is not a record at all', () => {
    expect(parseKernelChoiceRecord(null)).toBeNull();
    expect(parseKernelChoiceRecord('ours wg64 t8')).toBeNull();
  });
});

describe('KernelChoiceStore', () => {
  it("keeps each adapter's choices apart, and clears one adapter's", async () => {
    const store = await KernelChoiceStore.open('kernels-apart');
    const other = adapterKey({ ...swiftshader, vendor: 'nvidia' }, versions);
    await store.put(record());
    await store.put(record({ pass: 'backward' }));
    await store.put(record({ adapter: other }));
    const mine = await store.load(record().adapter);
    expect(mine.invalid).toBe(0);
    expect(mine.records.map((r) => r.pass).sort()).toEqual(['backward', 'forward']);
    await store.clear(record().adapter);
    expect((await store.load(record().adapter)).records).toEqual([]);
    expect((await store.load(other)).records).toHaveLength(1);
    store.close();
  });

  it('refuses to write an invalid record', async () => {
    const store = await KernelChoiceStore.open('kernels-refuse');
    await expect(store.put(record({ choice: 'tfjs' }))).rejects.toThrow(/not a valid/);
    expect((await store.load(record().adapter)).records).toEqual([]);
    store.close();
  });

  it('deletes damaged records on load (their shapes are timed again)', async () => {
    const name = 'kernels-damaged';
    const store = await KernelChoiceStore.open(name);
    await store.put(record());
    store.close();
    // Written behind the store's back, as a damaged or older record would be.
    const raw = await openDB(name, KERNEL_DB_VERSION);
    await raw.put('choices', { ...record({ pass: 'backward' }), candidates: 'fast' });
    raw.close();
    const reopened = await KernelChoiceStore.open(name);
    const loaded = await reopened.load(record().adapter);
    expect(loaded.invalid).toBe(1);
    expect(loaded.records).toEqual([record()]);
    expect((await reopened.load(record().adapter)).invalid).toBe(0);
    reopened.close();
  });
});
