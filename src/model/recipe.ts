/**
 * The choices of the training recipe where the paper and the authors' code differ or say
 * nothing (README, "Recipe"): which parameters weight decay applies to, and the padding's fill.
 * Pure names and labels, shared by the hyperparameters, the worker protocol and the trainer.
 */

/**
 * 'all': every parameter, biases and BN beta too (the authors' code: fusenet's own Nesterov
 * optimizer, utility.py, decays every `_weight`, `_bias`, `_gamma` and `_beta`);
 * 'weights-gamma': conv/FC weights and BN gamma only (MXNet's default `wd_mult`).
 */
export const DECAY_RULES = ['all', 'weights-gamma'] as const;
export type DecayRule = (typeof DECAY_RULES)[number];
export const DECAY_RULE_LABEL: Record<DecayRule, string> = {
  all: "All parameters (authors' code)",
  'weights-gamma': 'Weights and gamma (MXNet default)',
};

/**
 * 'zero': black padding (the paper: "zero padding"); 'mean': each channel's training-set mean
 * rounded to a pixel value (the fill values the authors' train_model.py passes).
 */
export const PAD_FILLS = ['zero', 'mean'] as const;
export type PadFill = (typeof PAD_FILLS)[number];
export const PAD_FILL_LABEL: Record<PadFill, string> = {
  zero: 'Zero (paper)',
  mean: "Channel means (authors' train_model.py)",
};
