/**
 * The learning-rate schedule of Section 4.2: 0.1, divided by 10 at 1/2, 3/4 and 7/8 of the
 * planned training. Milestones are exact fractions of the planned steps (the rate drops at the
 * first step >= milestone * totalSteps, no rounding), so the same schedule works for 400 CIFAR
 * epochs, 40 SVHN epochs or a 1-epoch demo, which still passes all three drops. The exported
 * train.py's `lr_at_step` is the same rule, operation for operation (src/export/schedule.test.ts).
 */

import type { LrSchedule } from './run';

export type { LrSchedule };

export const PAPER_SCHEDULE: LrSchedule = {
  base: 0.1,
  factor: 0.1,
  milestones: [0.5, 0.75, 0.875],
};

/** A learning rate the user set on the fly, at a given step; later milestones still apply. */
export interface LrOverride {
  value: number;
  atStep: number;
}

/** The scheduled rate at `step` (0-based) of `totalSteps`. */
export function scheduledLr(schedule: LrSchedule, step: number, totalSteps: number): number {
  let lr = schedule.base;
  for (const milestone of schedule.milestones) {
    // No rounding: 1/2, 3/4, 7/8 times an integer are exact in binary floating point.
    if (step >= milestone * totalSteps) lr *= schedule.factor;
  }
  return lr;
}

/**
 * The rate actually used: the schedule, or after an on-the-fly change the user's value scaled by
 * the milestones passed since that change (so a user's 0.05 still drops to 0.005 later).
 */
export function learningRateAt(
  schedule: LrSchedule,
  step: number,
  totalSteps: number,
  override: LrOverride | null,
): number {
  const scheduled = scheduledLr(schedule, step, totalSteps);
  if (!override || step < override.atStep) return scheduled;
  const atChange = scheduledLr(schedule, override.atStep, totalSteps);
  return override.value * (scheduled / atChange);
}
