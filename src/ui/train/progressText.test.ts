import { describe, expect, it } from 'vitest';
import { progressText } from './progressText';

const live = {
  step: 3,
  totalSteps: 50,
  epoch: 0.1,
  lr: 0.1,
  imagesPerSecond: 4,
  trainLoss: 2.2,
  trainError: 0.8,
  testError: null,
  secondsLeft: 95,
};
const phase = (p: 'loading' | 'preparing' | 'firstStep' | 'training', done = 0, total = 0) => ({
  runId: 'r',
  phase: p,
  done,
  total,
  elapsedSeconds: 1,
  firstPointPending: false,
  loadedAt: null,
  firstStepAt: null,
});

describe('progressText', () => {
  it('names the start phases, then the step with the time left', () => {
    expect(progressText('running', phase('loading'), live)).toMatch(/Loading/);
    expect(progressText('running', phase('preparing', 3, 12), live)).toBe(
      'Preparing kernels 3/12…',
    );
    expect(progressText('running', phase('preparing'), live)).toBe('Preparing kernels…');
    expect(progressText('running', phase('firstStep'), live)).toMatch(/^First step/);
    expect(progressText('running', phase('training'), live)).toBe('Step 3/50 · 1 min 35 s left');
    expect(progressText('running', undefined, { ...live, secondsLeft: null })).toBe(
      'Step 3/50 · time left: measuring',
    );
    expect(progressText('paused', phase('firstStep'), live)).toBe('Step 3/50');
  });
});
