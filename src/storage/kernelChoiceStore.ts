/**
 * The cache of tuned convolution layouts (issue 16, item 2): one record per adapter, shape and
 * pass, in IndexedDB, so a reload or a second run on the same adapter reuses the choices
 * without timing them again. Records are validated on load (zod): a damaged or foreign one is
 * deleted and its shape timed again, never used.
 *
 * The adapter key holds what decides a layout's speed and validity: the adapter (vendor,
 * architecture, description from GPUAdapterInfo), tfjs's version (its conv2d is a candidate)
 * and our kernels' version (bump KERNELS_VERSION in src/train/fused/tuning.ts when the WGSL
 * changes).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { z } from 'zod';
import type { KernelChoice, KernelPass } from '../model/kernelChoices';

export const KERNEL_DB_NAME = 'dmrnet-kernel-choices';
/** Bump with a step in `upgrade` when the store or its records change shape. */
export const KERNEL_DB_VERSION = 1;
const STORE = 'choices';

export interface AdapterIdentity {
  vendor: string;
  architecture: string;
  description: string;
}

/** The cache key of an adapter with the versions of the kernels timed on it. */
export function adapterKey(
  adapter: AdapterIdentity,
  versions: { tfjs: string; kernels: number },
): string {
  const part = (s: string) => s.trim() || '?';
  return [
    part(adapter.vendor),
    part(adapter.architecture),
    part(adapter.description),
    `tfjs ${versions.tfjs}`,
    `kernels ${versions.kernels}`,
  ].join(' | ');
}

const KERNEL_PASSES = ['forward', 'backward'] as const satisfies readonly KernelPass[];

export const kernelChoiceRecordSchema = z
  .object({
    adapter: z.string().min(1),
    shape: z.string().min(1),
    pass: z.enum(KERNEL_PASSES),
    candidates: z
      .array(
        z.object({
          name: z.string().min(1),
          ms: z.number().nonnegative(),
          identical: z.boolean(),
        }),
      )
      .min(1),
    choice: z.string().min(1),
    measuredAt: z.number().int().nonnegative(),
  })
  .refine(
    (r) => r.candidates.some((c) => c.name === r.choice && c.identical),
    'the choice must be one of its candidates, with bit-identical results',
  );

export type KernelChoiceRecord = KernelChoice & { adapter: string; measuredAt: number };

/** The record if `value` is a valid one, else null. */
export function parseKernelChoiceRecord(value: unknown): KernelChoiceRecord | null {
  const parsed = kernelChoiceRecordSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

type Key = [adapter: string, shape: string, pass: KernelPass];

interface KernelSchema extends DBSchema {
  [STORE]: { key: Key; value: KernelChoiceRecord };
}

export class KernelChoiceStore {
  private constructor(private readonly db: IDBPDatabase<KernelSchema>) {}

  static async open(name: string = KERNEL_DB_NAME): Promise<KernelChoiceStore> {
    const db = await openDB<KernelSchema>(name, KERNEL_DB_VERSION, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) {
          database.createObjectStore(STORE, { keyPath: ['adapter', 'shape', 'pass'] });
        }
      },
      // An open connection must not block another tab's upgrade.
      blocking: () => db.close(),
    });
    return new KernelChoiceStore(db);
  }

  /**
   * The valid records of `adapter`; invalid ones (damaged, or written by another version in
   * another shape) are deleted and counted, so their shapes are timed again.
   */
  async load(adapter: string): Promise<{ records: KernelChoiceRecord[]; invalid: number }> {
    const tx = this.db.transaction(STORE, 'readwrite');
    const range = IDBKeyRange.bound([adapter], [adapter, []]);
    const records: KernelChoiceRecord[] = [];
    let invalid = 0;
    for (let cursor = await tx.store.openCursor(range); cursor; cursor = await cursor.continue()) {
      const record = parseKernelChoiceRecord(cursor.value);
      if (record && record.adapter === adapter) records.push(record);
      else {
        invalid++;
        await cursor.delete();
      }
    }
    await tx.done;
    return { records, invalid };
  }

  /** Stores one record (validated first: nothing half-formed is written). */
  async put(record: KernelChoiceRecord): Promise<void> {
    const valid = parseKernelChoiceRecord(record);
    if (!valid) throw new Error(`not a valid kernel choice for ${record.shape} (${record.pass})`);
    await this.db.put(STORE, valid);
  }

  /** Forgets every choice of `adapter`. */
  async clear(adapter: string): Promise<void> {
    await this.db.delete(STORE, IDBKeyRange.bound([adapter], [adapter, []]));
  }

  close(): void {
    this.db.close();
  }
}
