/** The model core's public API (pure TypeScript; the tfjs builder is in ./builder). */
export type { BlockKind, BlockSpec, NetworkSpec, StageSpec } from './spec';
export { LIMITS, networkSpecSchema, validateSpec, type SpecValidation } from './schema';
export {
  fromPaper,
  MAX_PAPER_L,
  PAPER_PRESETS,
  paperName,
  paperOptionErrors,
  tinyClassroom,
  tryFromPaper,
  type PaperArch,
  type PaperOptions,
  type PaperPreset,
} from './presets';
export {
  analyzeNetwork,
  exactPathCounts,
  type NetworkAnalysis,
  type PathDistribution,
  type StageParams,
} from './analysis';
export {
  identityMatrix,
  isIdempotent,
  matrixMultiply,
  matrixPower,
  maxAbsDifference,
  mergeMatrix,
  type Matrix,
} from './mergeMatrix';
export { planNetwork, weightNames, type NetworkPlan, type WeightInfo } from './plan';
