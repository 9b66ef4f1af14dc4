import { analyzeNetworkCore, atBatch, type NetworkAnalysis } from './analysis';
import type { NetworkSpec } from './spec';

const cores = new WeakMap<NetworkSpec, ReturnType<typeof analyzeNetworkCore>>();
const views = new WeakMap<NetworkSpec, Map<number, NetworkAnalysis>>();

/**
 * The model core's analysis of a spec (parameters, depth, multiply-adds, memory, paths),
 * memoized per spec object and computed once for every batch size: the schema's size caps
 * (batch 64), the counts (the form's batch), the histogram and the runs list share one
 * computation, and one path distribution.
 */
export function analysisOf(spec: NetworkSpec, batch = 64): NetworkAnalysis {
  let core = cores.get(spec);
  if (!core) {
    core = analyzeNetworkCore(spec);
    cores.set(spec, core);
  }
  let byBatch = views.get(spec);
  if (!byBatch) {
    byBatch = new Map();
    views.set(spec, byBatch);
  }
  let a = byBatch.get(batch);
  if (!a) {
    a = atBatch(core, batch);
    byBatch.set(batch, a);
  }
  return a;
}
