import { analyzeNetwork, type NetworkAnalysis } from './analysis';
import type { NetworkSpec } from './spec';

const cache = new WeakMap<NetworkSpec, Map<number, NetworkAnalysis>>();

/**
 * The model core's analysis of a spec (parameters, depth, multiply-adds, memory, paths),
 * memoized per spec object: the stats, the histogram and the runs list share one computation.
 */
export function analysisOf(spec: NetworkSpec, batch = 64): NetworkAnalysis {
  let byBatch = cache.get(spec);
  if (!byBatch) {
    byBatch = new Map();
    cache.set(spec, byBatch);
  }
  let a = byBatch.get(batch);
  if (!a) {
    a = analyzeNetwork(spec, { batch });
    byBatch.set(batch, a);
  }
  return a;
}
