import { describe, expect, it } from 'vitest';
import { PAPER_SCHEDULE, learningRateAt, scheduledLr } from './schedule';

describe('learning-rate schedule (Section 4.2)', () => {
  it('divides 0.1 by 10 at 1/2, 3/4 and 7/8 of the steps', () => {
    const total = 800;
    const at = (step: number) => scheduledLr(PAPER_SCHEDULE, step, total);
    expect(at(0)).toBeCloseTo(0.1, 12);
    expect(at(399)).toBeCloseTo(0.1, 12);
    expect(at(400)).toBeCloseTo(0.01, 12);
    expect(at(599)).toBeCloseTo(0.01, 12);
    expect(at(600)).toBeCloseTo(0.001, 12);
    expect(at(699)).toBeCloseTo(0.001, 12);
    expect(at(700)).toBeCloseTo(0.0001, 12);
    expect(at(799)).toBeCloseTo(0.0001, 12);
  });

  it('takes any base, factor and milestones', () => {
    const s = { base: 0.2, factor: 0.5, milestones: [0.25] };
    expect(scheduledLr(s, 24, 100)).toBe(0.2);
    expect(scheduledLr(s, 25, 100)).toBe(0.1);
  });

  it('keeps dividing a rate set on the fly at the later milestones', () => {
    const override = { value: 0.05, atStep: 100 };
    expect(learningRateAt(PAPER_SCHEDULE, 50, 800, override)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(PAPER_SCHEDULE, 100, 800, override)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(PAPER_SCHEDULE, 400, 800, override)).toBeCloseTo(0.005, 12);
    // Set after the first drop: the drop already passed is not applied twice.
    const late = { value: 0.02, atStep: 500 };
    expect(learningRateAt(PAPER_SCHEDULE, 500, 800, late)).toBeCloseTo(0.02, 12);
    expect(learningRateAt(PAPER_SCHEDULE, 650, 800, late)).toBeCloseTo(0.002, 12);
  });
});
