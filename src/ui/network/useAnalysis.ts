import { useMemo } from 'react';
import { analysisOf } from '../../model/analysisCache';
import type { NetworkAnalysis } from '../../model/analysis';
import type { NetworkSpec } from '../../model/spec';

/** The cached analysis of `spec` (model/analysisCache.ts), for a component. */
export function useAnalysis(spec: NetworkSpec, batch = 64): NetworkAnalysis {
  return useMemo(() => analysisOf(spec, batch), [spec, batch]);
}
