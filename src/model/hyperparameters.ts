/**
 * The hyperparameters a run is started with (Section 4.2 gives the paper's recipe), their
 * defaults for a short in-browser run, and validation with one message per wrong field.
 * Pure: used by the form, the share URL codec and the runs panel.
 */

import { z } from 'zod';
import { bnGroups } from './batchNorm';
import { DECAY_RULES, PAD_FILLS, type DecayRule, type PadFill } from './recipe';
import type { RunConfig } from './run';
import type { NetworkSpec } from './spec';
import { costFeatures, reportEveryFor } from './trainingCost';

export const SCHEDULES = ['paper', 'constant'] as const;
export type LrSchedule = (typeof SCHEDULES)[number];
export const SCHEDULE_LABEL: Record<LrSchedule, string> = {
  paper: 'Step: ÷10 at 1/2, 3/4, 7/8 of the epochs (paper)',
  constant: 'Constant',
};

export const BACKEND_CHOICES = ['auto', 'webgpu', 'webgl', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface Hyperparameters {
  epochs: number;
  batchSize: number;
  learningRate: number;
  schedule: LrSchedule;
  weightDecay: number;
  /** Which parameters weight decay applies to (model/recipe.ts; authors' code: all). */
  decay: DecayRule;
  /** Pad 4, random 32x32 crop, horizontal flip (Section 4.2). */
  augmentation: boolean;
  /** The padding's fill (paper: zero; authors' train_model.py: channel means). */
  padFill: PadFill;
  /** Ghost batch norm: BN statistics over groups of this many images (0: the whole batch). */
  bnBatch: number;
  seed: number;
  /** The backend to start the worker with (applies after a reload: tfjs has one per worker). */
  backend: BackendChoice;
  /** Train on the first N images of each epoch's order (0: all): short classroom runs. */
  trainLimit: number;
  /** Evaluate on the first N test images (0: all). */
  testLimit: number;
  /** Also evaluate every N steps (0: only at each epoch's end). */
  evalEverySteps: number;
}

/** The paper's recipe (SGD, Nesterov 0.9), with a short epoch count for the browser. */
export const DEFAULT_HYPERPARAMETERS: Hyperparameters = {
  epochs: 2,
  batchSize: 64,
  learningRate: 0.1,
  schedule: 'paper',
  weightDecay: 1e-4,
  decay: 'all',
  augmentation: true,
  padFill: 'zero',
  bnBatch: 0,
  seed: 1,
  backend: 'auto',
  trainLimit: 0,
  testLimit: 1000,
  evalEverySteps: 50,
};

/**
 * The bounds of every field, for the form, the share URL and the training worker alike (one
 * schema below; the worker used to accept weight decay up to 1 and any batch size). Weight
 * decay stops at 0.1: the paper's is 1e-4, and at 0.1 the decay term already outweighs the
 * gradient of a trained network, so anything above is a typo, not an experiment. Batches stop
 * at 1024: the paper's is 64, and a step's largest buffer grows with the batch (train/limits.ts),
 * so a bigger one would not fit a browser GPU's buffer limits at any network size worth training.
 */
export const HYPER_LIMITS = {
  epochs: { min: 1, max: 400 },
  batchSize: { min: 1, max: 1024 },
  learningRate: { min: 1e-6, max: 10 },
  weightDecay: { min: 0, max: 0.1 },
  seed: { min: 0, max: 2 ** 31 - 1 },
  trainLimit: { min: 0, max: 1_000_000 },
  testLimit: { min: 0, max: 1_000_000 },
  evalEverySteps: { min: 0, max: 1_000_000 },
  bnBatch: { min: 0, max: 1024 },
} as const;

/**
 * What a share link or run config made before an option existed trained with: absent fields
 * read as these (MXNet's decay rule, zero padding, whole-batch BN), so an old link still
 * describes its run.
 */
export const BEFORE_RECIPE_OPTIONS: Pick<Hyperparameters, 'decay' | 'padFill' | 'bnBatch'> = {
  decay: 'weights-gamma',
  padFill: 'zero',
  bnBatch: 0,
};

export type HyperField = keyof Hyperparameters;
export type HyperErrors = Partial<Record<HyperField, string>>;

export type HyperResult =
  { ok: true; value: Hyperparameters } | { ok: false; errors: HyperErrors; value: Hyperparameters };

/** Reads a number from a form string or a parsed JSON value; NaN when it is not one. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v.trim());
  return Number.NaN;
}

type Range = { readonly min: number; readonly max: number };

/** A whole number in `range`, from a number or a form string; one message for any fault. */
function wholeNumber(label: string, { min, max }: Range) {
  const error = `${label} must be a whole number from ${min} to ${max}.`;
  return z.preprocess(
    toNumber,
    z.number({ error }).refine((n) => Number.isInteger(n) && n >= min && n <= max, { error }),
  );
}

/** A finite number in `range`, from a number or a form string. */
function realNumber(label: string, { min, max }: Range) {
  const error = `${label} must be a number from ${min} to ${max}.`;
  return z.preprocess(
    toNumber,
    z.number({ error }).refine((n) => Number.isFinite(n) && n >= min && n <= max, { error }),
  );
}

/** `schema`, reading an absent value as `fallback` (fields added after links were shared). */
function absentAs<T extends z.ZodType>(fallback: unknown, schema: T) {
  return z.preprocess((v) => (v === undefined ? fallback : v), schema);
}

/** Each field's schema: the form, the share URL and the worker's run config all use these. */
export const HYPER_FIELDS = {
  epochs: wholeNumber('Epochs', HYPER_LIMITS.epochs),
  batchSize: wholeNumber('Batch size', HYPER_LIMITS.batchSize),
  learningRate: realNumber('Learning rate', HYPER_LIMITS.learningRate),
  schedule: z.enum(SCHEDULES, { error: `Schedule must be one of: ${SCHEDULES.join(', ')}.` }),
  weightDecay: realNumber('Weight decay', HYPER_LIMITS.weightDecay),
  decay: absentAs(
    BEFORE_RECIPE_OPTIONS.decay,
    z.enum(DECAY_RULES, { error: `Weight decay applies to one of: ${DECAY_RULES.join(', ')}.` }),
  ),
  augmentation: z.boolean({ error: 'Augmentation must be on or off.' }),
  padFill: absentAs(
    BEFORE_RECIPE_OPTIONS.padFill,
    z.enum(PAD_FILLS, { error: `The padding fill must be one of: ${PAD_FILLS.join(', ')}.` }),
  ),
  bnBatch: absentAs(BEFORE_RECIPE_OPTIONS.bnBatch, wholeNumber('BN batch', HYPER_LIMITS.bnBatch)),
  seed: wholeNumber('Seed', HYPER_LIMITS.seed),
  backend: z.enum(BACKEND_CHOICES, {
    error: `Backend must be one of: ${BACKEND_CHOICES.join(', ')}.`,
  }),
  trainLimit: wholeNumber('Training images per epoch', HYPER_LIMITS.trainLimit),
  testLimit: wholeNumber('Test images', HYPER_LIMITS.testLimit),
  evalEverySteps: wholeNumber('Test every N steps', HYPER_LIMITS.evalEverySteps),
} satisfies Record<HyperField, z.ZodType>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates hyperparameters from a form (strings) or a share URL (any JSON). Every wrong
 * field gets a message; `value` keeps the default for each wrong field, so a caller can go on
 * with the rest.
 */
export function validateHyperparameters(input: unknown): HyperResult {
  const errors: HyperErrors = {};
  const value: Hyperparameters = { ...DEFAULT_HYPERPARAMETERS };
  if (!isRecord(input)) {
    return { ok: false, errors: { epochs: 'Hyperparameters must be an object.' }, value };
  }
  for (const key of Object.keys(HYPER_FIELDS) as HyperField[]) {
    const parsed = HYPER_FIELDS[key].safeParse(input[key]);
    if (parsed.success) (value as Record<HyperField, unknown>)[key] = parsed.data;
    else errors[key] = parsed.error.issues[0]?.message ?? `${key} is not valid.`;
  }
  // Ghost BN needs groups of equal size (model/batchNorm.ts).
  const groups = bnGroups(value.batchSize, value.bnBatch);
  if (!errors.bnBatch && !errors.batchSize && typeof groups === 'string') {
    errors.bnBatch = groups;
    value.bnBatch = DEFAULT_HYPERPARAMETERS.bnBatch;
  }
  return Object.keys(errors).length === 0 ? { ok: true, value } : { ok: false, errors, value };
}

/**
 * A run config as the training worker checks it before it starts: the same field schemas as
 * the form, and the rules only a run config has (Section 4.2's schedule, SGD's momentum). The
 * network itself is checked by model/schema.ts.
 */
export const runConfigSchema = z.object({
  name: z.string({ error: 'The run needs a name.' }),
  dataset: z
    .string({ error: 'The run needs a dataset.' })
    .min(1, { error: 'The run needs a dataset.' }),
  seed: HYPER_FIELDS.seed,
  epochs: HYPER_FIELDS.epochs,
  batchSize: HYPER_FIELDS.batchSize,
  schedule: z.object({
    base: HYPER_FIELDS.learningRate,
    factor: z.number().refine((f) => f > 0 && f <= 1, {
      error: 'The decay factor must be in (0, 1] (the paper divides by 10: 0.1).',
    }),
    milestones: z.array(
      z.number().refine((m) => m > 0 && m < 1, {
        error: 'Milestones are fractions of training strictly between 0 and 1.',
      }),
    ),
  }),
  sgd: z.object({
    momentum: z.number().refine((m) => m >= 0 && m < 1, {
      error: 'Momentum must be in [0, 1) (paper: 0.9).',
    }),
    weightDecay: HYPER_FIELDS.weightDecay,
    nesterov: z.boolean({ error: 'Nesterov must be on or off.' }),
    decay: HYPER_FIELDS.decay,
  }),
  augment: HYPER_FIELDS.augmentation,
  padFill: HYPER_FIELDS.padFill,
  bnBatch: HYPER_FIELDS.bnBatch,
  evalEverySteps: HYPER_FIELDS.evalEverySteps,
  testLimit: HYPER_FIELDS.testLimit,
  trainLimit: HYPER_FIELDS.trainLimit,
  checkpointEveryMinutes: z.number().refine((m) => m > 0, {
    error: 'Checkpoint every ... minutes must be more than 0.',
  }),
});

/** What is wrong with a run config, one message per fault (empty when it can start). */
export function runConfigProblems(config: unknown): string[] {
  const parsed = runConfigSchema.safeParse(config);
  if (!parsed.success) return [...new Set(parsed.error.issues.map((i) => i.message))];
  const groups = bnGroups(parsed.data.batchSize, parsed.data.bnBatch);
  return typeof groups === 'string' ? [groups] : [];
}

/** Section 4.2's milestones: the rate is divided by 10 at 1/2, 3/4 and 7/8 of the steps. */
export const PAPER_MILESTONES = [0.5, 0.75, 0.875];

/** The worker's run config for a network, the hyperparameters and a stored dataset. */
export function toRunConfig(
  spec: NetworkSpec,
  h: Hyperparameters,
  dataset: string,
  name: string,
): RunConfig {
  return {
    name,
    spec,
    dataset,
    seed: h.seed,
    epochs: h.epochs,
    batchSize: h.batchSize,
    schedule: {
      base: h.learningRate,
      factor: 0.1,
      milestones: h.schedule === 'paper' ? PAPER_MILESTONES : [],
    },
    sgd: { momentum: 0.9, weightDecay: h.weightDecay, nesterov: true, decay: h.decay },
    augment: h.augmentation,
    padFill: h.padFill,
    bnBatch: h.bnBatch,
    evalEverySteps: h.evalEverySteps,
    testLimit: h.testLimit,
    trainLimit: h.trainLimit,
    checkpointEveryMinutes: 5,
    // The plotted steps: a pure function of the network and batch (identical runs, same curves).
    reportEverySteps: reportEveryFor(costFeatures(spec), h.batchSize),
  };
}
