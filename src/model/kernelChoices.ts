/**
 * The convolution layouts chosen per adapter and shape (issue 16, item 2): what the worker's
 * tuner measured, what the cache stores and what the device panel lists. Pure types.
 */

/** Which kernel of a convolution: the forward, or the backward launch (both gradients). */
export type KernelPass = 'forward' | 'backward';

export interface TimedCandidate {
  /** "ours wg128 t4 p2" (workgroup size, channels and pixels per invocation) or "tfjs". */
  name: string;
  /** Mean wall time of a run, waited for (GPU time plus one submit). */
  ms: number;
  /**
   * Whether its results are bit-identical to the untuned layout's on the same inputs: only
   * those may be chosen, so a run's numbers do not depend on which layout won (or when).
   */
  identical: boolean;
}

export interface KernelChoice {
  /** e.g. "8x32x32x16 k3 co16 s1". */
  shape: string;
  pass: KernelPass;
  candidates: TimedCandidate[];
  /** The fastest identical candidate's name. */
  choice: string;
}

export interface KernelChoicesReport {
  /** What the choices are stored under (adapter, tfjs and kernel versions); null off WebGPU. */
  adapterKey: string | null;
  /** Chosen layouts in use, each from the cache or timed in this session. */
  choices: (KernelChoice & { source: 'cache' | 'timed' })[];
  /** Shape-and-pass pairs of the running networks still to be timed. */
  pending: number;
  /** Candidates this worker has timed since it started (a reused cache times none). */
  timedCandidates: number;
  /** Wall time the tuner took between steps since this worker started (ms). */
  tuningMs: number;
  /** Why nothing is tuned (not on WebGPU, the cache could not be read), or null. */
  note: string | null;
}
