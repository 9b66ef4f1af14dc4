import type { BlockKind, NetworkSpec } from '../../model/spec';

/** Series colours: distinguishable, and at least 4.5:1 against the white chart background. */
export const SERIES_COLORS = ['#1d4e89', '#b3261e', '#1e6b35', '#6a3d9a', '#8a4b00', '#00607a'];

/**
 * One colour per family, everywhere a family is told apart (Figure 3, Figure 6, classroom mode,
 * the block palette): merge-and-run in the red of the drawing's merge, residual blue,
 * inception-like green, identity streams purple. Runs use SERIES_COLORS by their own order.
 */
export const FAMILY_COLORS: Record<BlockKind, string> = {
  residual: '#1d4e89',
  inception: '#1e6b35',
  mergeAndRun: '#b3261e',
  identity: '#6a3d9a',
};

/** The family of a network: the kind of its first block (hand-built mixes count as that). */
export function familyOf(spec: NetworkSpec): BlockKind | null {
  return spec.stages[0]?.blocks[0]?.kind ?? null;
}

export function familyColor(kind: BlockKind | null): string {
  return kind ? FAMILY_COLORS[kind] : '#444';
}

export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length] ?? '#1d4e89';
}

/** Formats a number for axis ticks and tooltips without long tails. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return '';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(2).replace(/\.?0+$/, '');
  return v.toPrecision(3).replace(/\.?0+$/, '');
}
