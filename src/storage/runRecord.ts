/**
 * The stored shape of a training run in "dmrnet-runs": the storage's own versioned types (not
 * the protocol's wire types), the migrations from every older version, and the validation of
 * what comes back from IndexedDB (a record written by an older app, another tab, or damaged).
 *
 * Do not change these shapes without bumping RUN_RECORD_VERSION, adding a step to
 * `migrateRunRecord` and a test that loads the previous version.
 *
 * v1 (until Nov 2026): the protocol's RunSummary fields plus history, no version field, the
 *   dataset known by name only.
 * v2: `schemaVersion`, the dataset's identity (storage id and content checksum) so a resume can
 *   tell that the data changed, and the learning rate set on the fly (`lrOverride`). Optional
 *   from the start of v2 (absent means the behaviour before them): the recipe options `decay`,
 *   `padFill`, `bnBatch` (#17) and the test passes' insights with their image grid (#18).
 */
import { z } from 'zod';
import { networkSpecSchema } from '../model/schema';
import { DECAY_RULES, PAD_FILLS } from '../model/recipe';

export const RUN_RECORD_VERSION = 2;

/** zod 4's numbers are finite (no NaN, no Infinity). */
const finite = z.number();
const count = z.number().int().min(0);
/** Metrics may be NaN or infinite (a diverged run keeps its last numbers). */
const metric = z.custom<number>((v) => typeof v === 'number', 'must be a number');

/** A typed array of the given kind (as IndexedDB's structured clone gives it back). */
function typedArray<T>(kind: abstract new (...args: never[]) => T, name: string) {
  return z.custom<T>((v) => v instanceof kind, `must be a ${name}`);
}

const lrOverrideSchema = z.object({ value: finite.positive(), atStep: count }).nullable();

export const storedRunConfigSchema = z.object({
  name: z.string().max(500),
  spec: networkSpecSchema,
  dataset: z.string().min(1).max(500),
  seed: z.number().int(),
  epochs: z.number().int().min(1),
  batchSize: z.number().int().min(1),
  schedule: z.object({
    base: finite.positive(),
    factor: finite.positive(),
    milestones: z.array(finite),
  }),
  sgd: z.object({
    momentum: finite,
    weightDecay: finite,
    nesterov: z.boolean(),
    // Which parameters decay (model/run.ts SgdConfig; #17). Absent in runs from before the
    // recipe options: MXNet's rule. zod drops keys a schema does not name, and this one once
    // sat beside `sgd` instead of in it: a reloaded 'all' run resumed without decay on BN betas
    // and biases (a 1e-8 drift of the resumed weights; docs/training.md, exact resume).
    decay: z.enum(DECAY_RULES).optional(),
  }),
  augment: z.boolean(),
  evalEverySteps: count,
  testLimit: count,
  trainLimit: count,
  checkpointEveryMinutes: finite.positive(),
  // Absent in runs from before the recipe options: zero fill, whole-batch BN (model/run.ts).
  // Kept, or a resumed run would train on with another recipe.
  padFill: z.enum(PAD_FILLS).optional(),
  bnBatch: z.number().int().min(0).optional(), // 0: the whole batch (model/run.ts)
  reportEverySteps: z.number().int().min(1).optional(),
});

const liveSchema = z.object({
  step: count,
  totalSteps: count,
  epoch: metric,
  lr: metric,
  imagesPerSecond: metric,
  trainLoss: metric.nullable(),
  trainError: metric.nullable(),
  testError: metric.nullable(),
  secondsLeft: metric.nullable(),
});

const historySchema = z.object({
  train: z.array(
    z.object({
      step: count,
      epoch: metric,
      loss: metric,
      error: metric,
      lr: metric,
      imagesPerSecond: metric,
    }),
  ),
  test: z.array(
    z.object({
      step: count,
      epoch: metric,
      loss: metric,
      error: metric,
      insight: z
        .object({
          confusion: typedArray<Uint32Array>(Uint32Array, 'Uint32Array'),
          gridPredictions: typedArray<Uint16Array>(Uint16Array, 'Uint16Array'),
        })
        .optional(),
    }),
  ),
  grid: z
    .object({
      indices: typedArray<Uint32Array>(Uint32Array, 'Uint32Array'),
      labels: typedArray<Uint16Array>(Uint16Array, 'Uint16Array'),
      pixels: typedArray<Uint8Array>(Uint8Array, 'Uint8Array'),
      height: count,
      width: count,
      channels: count,
      classNames: z.array(z.string()),
    })
    .optional(),
});

/** What identifies the data a run trains on: the same name may later hold other images. */
export const datasetIdentitySchema = z.object({
  name: z.string().min(1),
  /** The import's storage id (null: recorded before v2, unknown). */
  storageId: z.string().nullable(),
  /** SHA-256 of the dataset's shards (null: unknown). */
  checksum: z.string().nullable(),
});

/** A stored run is never 'pausing': it is written 'paused' with the checkpoint that ends it. */
export const STORED_RUN_STATUSES = [
  'queued',
  'running',
  'paused',
  'stopped',
  'finished',
  'failed',
] as const;

export const runRecordSchema = z.object({
  schemaVersion: z.literal(RUN_RECORD_VERSION),
  id: z.string().min(1),
  config: storedRunConfigSchema,
  dataset: datasetIdentitySchema,
  status: z.enum(STORED_RUN_STATUSES),
  message: z.string().nullable(),
  live: liveSchema,
  history: historySchema,
  /** Step of the checkpoint stored with it (null: none yet, the run restarts from scratch). */
  checkpointStep: count.nullable(),
  /** The learning rate set on the fly, kept even before the next checkpoint. */
  lrOverride: lrOverrideSchema,
  createdAt: finite,
  updatedAt: finite,
});

export type StoredRunConfig = z.infer<typeof storedRunConfigSchema>;
export type DatasetIdentity = z.infer<typeof datasetIdentitySchema>;
export type StoredRunStatus = (typeof STORED_RUN_STATUSES)[number];
export type RunRecord = z.infer<typeof runRecordSchema>;

/** A checkpoint's tensor: float32 values, a copy owned by the record. */
export interface StoredTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** The running averages since the last train point, so metrics after a resume match exactly. */
export interface MetricsWindow {
  lossSum: number;
  correctSum: number;
  images: number;
  steps: number;
}

export interface CheckpointRecord {
  /** Absent in v1 checkpoints (same shape otherwise). */
  schemaVersion?: number;
  runId: string;
  /** Steps done when it was taken. */
  step: number;
  /** Trainable variables in the network's order. */
  weights: StoredTensor[];
  /** BN running mean and variance. */
  running: StoredTensor[];
  /** Momentum buffers, one per trainable variable. */
  momentum: StoredTensor[];
  /** The learning rate set on the fly, if any. */
  lrOverride: { value: number; atStep: number } | null;
  /**
   * The random state: augmentation and data order are pure functions of (seed, step), so the
   * seed and the step are all of it.
   */
  rng: { seed: number; step: number };
  window: MetricsWindow;
  /** The metrics history up to `step` (a resume continues from exactly this). */
  history: z.infer<typeof historySchema>;
  /** The backend that produced it (resume is exact on the same backend). */
  backend: string;
  savedAt: number;
}

/** Thrown for a stored record that cannot be read; the message is for a person. */
export class DamagedRecordError extends Error {
  override name = 'DamagedRecordError';
}

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'record'}: ${i.message}`)
    .join('; ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** v1 -> v2: the dataset's identity is unknown (the first resume records it). */
function v1ToV2(v1: Record<string, unknown>): Record<string, unknown> {
  const config = isObject(v1.config) ? v1.config : {};
  return {
    ...v1,
    schemaVersion: 2,
    dataset: {
      name: typeof config.dataset === 'string' ? config.dataset : '',
      storageId: null,
      checksum: null,
    },
    lrOverride: null,
  };
}

/** Brings a stored run of any known version to the current one, without validating it. */
export function migrateRunRecord(value: unknown): unknown {
  if (!isObject(value)) return value;
  let record = value;
  const version = record.schemaVersion === undefined ? 1 : record.schemaVersion;
  if (version === 1) record = v1ToV2(record);
  return record;
}

/** A stored run, migrated and checked; throws DamagedRecordError saying what is wrong. */
export function readRunRecord(value: unknown): RunRecord {
  const migrated = migrateRunRecord(value);
  const version = isObject(migrated) ? migrated.schemaVersion : undefined;
  if (typeof version === 'number' && version > RUN_RECORD_VERSION) {
    throw new DamagedRecordError(
      `A stored run was written by a newer version of the playground (record version ${version}); reload the page to get that version.`,
    );
  }
  const parsed = runRecordSchema.safeParse(migrated);
  if (!parsed.success) {
    const id = isObject(value) && typeof value.id === 'string' ? ` "${value.id}"` : '';
    throw new DamagedRecordError(`The stored run${id} is damaged (${issues(parsed.error)}).`);
  }
  return parsed.data;
}

const tensorSize = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * A stored checkpoint, checked against its run before any of it reaches the device: the run
 * id, the step, and each tensor's values against its shape (names and shapes against the
 * network are checked where the network is built).
 */
export function readCheckpoint(value: unknown, runId: string): CheckpointRecord {
  const bad = (why: string) =>
    new DamagedRecordError(
      `The checkpoint of this run is damaged (${why}); start the run again or delete it.`,
    );
  if (!isObject(value)) throw bad('not a record');
  const c = value as unknown as CheckpointRecord;
  if (c.runId !== runId) throw bad(`it belongs to run ${String(c.runId)}`);
  if (!Number.isInteger(c.step) || c.step < 0) throw bad(`step ${String(c.step)}`);
  for (const group of ['weights', 'running', 'momentum'] as const) {
    const tensors: unknown = c[group];
    if (!Array.isArray(tensors)) throw bad(`no ${group}`);
    for (const t of tensors as StoredTensor[]) {
      if (
        !isObject(t) ||
        typeof t.name !== 'string' ||
        !Array.isArray(t.shape) ||
        !t.shape.every((d) => Number.isInteger(d) && d >= 0) ||
        !(t.values instanceof Float32Array)
      ) {
        throw bad(`a malformed tensor in ${group}`);
      }
      if (t.values.length !== tensorSize(t.shape)) {
        throw bad(`${t.name} holds ${t.values.length} values for shape [${t.shape.join(', ')}]`);
      }
    }
  }
  const history = historySchema.safeParse(c.history);
  if (!history.success) throw bad(`its history: ${issues(history.error)}`);
  if (!lrOverrideSchema.safeParse(c.lrOverride).success) throw bad('its learning rate');
  return { ...c, schemaVersion: RUN_RECORD_VERSION };
}
