/**
 * The race: ResNet, DILNet and DMRNet of about equal parameter count (Table 2 pairs them at
 * the same L: plain depth 2L + 2, widths w, 2w, 4w), scaled down to a base width that a
 * browser trains quickly. Pure.
 */
import { analyzeNetwork } from './analysis';
import { fromPaper, type PaperArch } from './presets';
import type { NetworkSpec } from './spec';

export const RACE_ARCHS = ['resnet', 'dilnet', 'dmrnet'] as const satisfies readonly PaperArch[];

export interface RaceEntry {
  arch: (typeof RACE_ARCHS)[number];
  spec: NetworkSpec;
  params: number;
}

/** Table 2's networks at L with base width `width` (16 in the paper) for stage 1. */
export function raceSpecs(L: number, width: number): RaceEntry[] {
  return RACE_ARCHS.map((arch) => {
    const paper = fromPaper({ arch, L });
    const scale = width / 16;
    const spec: NetworkSpec = {
      ...paper,
      name: width === 16 ? paper.name : `${paper.name}, width ${width}`,
      stemWidth: width,
      stages: paper.stages.map((s) => ({ ...s, width: Math.max(1, Math.round(s.width * scale)) })),
    };
    return { arch, spec, params: analyzeNetwork(spec).params };
  });
}

/** Largest relative difference of the parameter counts from their mean. */
export function paramSpread(entries: readonly RaceEntry[]): number {
  const mean = entries.reduce((a, e) => a + e.params, 0) / entries.length;
  return Math.max(...entries.map((e) => Math.abs(e.params - mean) / mean));
}
