/**
 * One line of help under each hyperparameter, visible (not only in a tooltip): what it does in
 * a newcomer's words, and what the paper used (Section 4.2).
 */
import type { Hyperparameters } from '../../model/hyperparameters';

export const HYPER_HINTS: Record<keyof Hyperparameters, string> = {
  epochs: 'Passes over the training images. The paper trains 400 on CIFAR.',
  batchSize: 'Images per step: bigger is smoother but slower per step. Paper: 64.',
  learningRate: 'Size of each SGD step: too high diverges, too low barely moves. Paper: 0.1.',
  schedule: 'The paper divides the rate by 10 at 1/2, 3/4 and 7/8 of the steps.',
  weightDecay: 'Pulls weights towards zero every step, against overfitting. Paper: 0.0001.',
  decay: 'Which parameters weight decay shrinks (the authors’ code: all of them).',
  augmentation: 'Random crops and flips: new variants of each image, less overfitting.',
  padFill: 'What fills the 4 pixels of padding around an image before the random crop.',
  bnBatch: 'BN statistics over groups of this many images. Paper: 64 on two GPUs, so 32.',
  seed: 'Same seed, same start and data order: the same curve again.',
  backend: 'Where the maths runs: WebGPU is fastest on a real GPU.',
  trainLimit: 'Train on the first N images per epoch: shorter epochs for a demo.',
  testLimit: 'Images per test pass: fewer is faster but noisier.',
  evalEverySteps: 'Also measure the test error every N steps, not only at epoch ends.',
};
