/**
 * The hyperparameters a run is started with (Section 4.2 gives the paper's recipe), their
 * defaults for a short in-browser run, and validation with one message per wrong field.
 * Pure: used by the form, the share URL codec and the runs panel.
 */

import type { RunConfig } from './run';
import type { NetworkSpec } from './spec';

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
  /** Pad 4, random 32x32 crop, horizontal flip (Section 4.2). */
  augmentation: boolean;
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
  augmentation: true,
  seed: 1,
  backend: 'auto',
  trainLimit: 0,
  testLimit: 1000,
  evalEverySteps: 50,
};

export const HYPER_LIMITS = {
  epochs: { min: 1, max: 400 },
  batchSize: { min: 1, max: 1024 },
  learningRate: { min: 1e-6, max: 10 },
  weightDecay: { min: 0, max: 0.1 },
  seed: { min: 0, max: 2 ** 31 - 1 },
  trainLimit: { min: 0, max: 1_000_000 },
  testLimit: { min: 0, max: 1_000_000 },
  evalEverySteps: { min: 0, max: 1_000_000 },
} as const;

export type HyperField = keyof Hyperparameters;
export type HyperErrors = Partial<Record<HyperField, string>>;

export type HyperResult =
  { ok: true; value: Hyperparameters } | { ok: false; errors: HyperErrors; value: Hyperparameters };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a number from a form string or a parsed JSON value; NaN when it is not one. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v.trim());
  return Number.NaN;
}

function checkInteger(v: unknown, name: string, { min, max }: { min: number; max: number }) {
  const n = toNumber(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    return { n, error: `${name} must be a whole number from ${min} to ${max}.` };
  }
  return { n, error: null };
}

function checkReal(v: unknown, name: string, { min, max }: { min: number; max: number }) {
  const n = toNumber(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    return { n, error: `${name} must be a number from ${min} to ${max}.` };
  }
  return { n, error: null };
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
  const ints = [
    ['epochs', 'Epochs', HYPER_LIMITS.epochs],
    ['batchSize', 'Batch size', HYPER_LIMITS.batchSize],
    ['seed', 'Seed', HYPER_LIMITS.seed],
    ['trainLimit', 'Training images per epoch', HYPER_LIMITS.trainLimit],
    ['testLimit', 'Test images', HYPER_LIMITS.testLimit],
    ['evalEverySteps', 'Test every N steps', HYPER_LIMITS.evalEverySteps],
  ] as const;
  for (const [key, name, range] of ints) {
    const { n, error } = checkInteger(input[key], name, range);
    if (error) errors[key] = error;
    else value[key] = n;
  }
  const reals = [
    ['learningRate', 'Learning rate', HYPER_LIMITS.learningRate],
    ['weightDecay', 'Weight decay', HYPER_LIMITS.weightDecay],
  ] as const;
  for (const [key, name, range] of reals) {
    const { n, error } = checkReal(input[key], name, range);
    if (error) errors[key] = error;
    else value[key] = n;
  }
  const schedule = SCHEDULES.find((s) => s === input.schedule);
  if (schedule) value.schedule = schedule;
  else errors.schedule = `Schedule must be one of: ${SCHEDULES.join(', ')}.`;
  const backend = BACKEND_CHOICES.find((b) => b === input.backend);
  if (backend) value.backend = backend;
  else errors.backend = `Backend must be one of: ${BACKEND_CHOICES.join(', ')}.`;
  if (typeof input.augmentation === 'boolean') value.augmentation = input.augmentation;
  else errors.augmentation = 'Augmentation must be on or off.';
  return Object.keys(errors).length === 0 ? { ok: true, value } : { ok: false, errors, value };
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
    sgd: { momentum: 0.9, weightDecay: h.weightDecay, nesterov: true },
    augment: h.augmentation,
    evalEverySteps: h.evalEverySteps,
    testLimit: h.testLimit,
    trainLimit: h.trainLimit,
    checkpointEveryMinutes: 5,
  };
}
