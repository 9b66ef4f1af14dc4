/**
 * The app's convolution tuning (issue 16, item 2), on the adapter the user has: a run starts
 * at once on the layouts cached for this adapter (else the untuned defaults), and the shapes
 * not cached are timed in the background, a few candidates between two steps, each pass
 * switched to its winner as soon as its last candidate is timed. Winners are stored (keyed by
 * adapter, tfjs and kernel versions, and shape: src/storage/kernelChoiceStore.ts), so a reload
 * or another run on the same adapter times nothing again.
 *
 * Only layouts whose results are bit-identical to the untuned one's are chosen
 * (./fused/tuning.ts), so a run's numbers for a seed are the same whether, and when, tuning
 * switched its kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelChoice, KernelChoicesReport, KernelPass } from '../model/kernelChoices';
import type { NetworkSpec } from '../model/spec';
import type { KernelChoiceStore } from '../storage/kernelChoiceStore';
import { keyOf, resetChoices, type ConvShape } from './fused/conv';
import {
  applyChoice,
  candidateNamed,
  compileCandidates,
  describeShape,
  networkConvShapes,
  ShapeTuning,
} from './fused/tuning';

/** Timed runs of each candidate after its warm-up run. */
const REPS = 2;
/** Share of the wall time between two steps the tuner may take while it has work. */
const SHARE = 0.5;
/** At most this long timing between two steps, however long the step took. */
const MAX_TICK_MS = 1500;

const entryKey = (s: ConvShape, pass: KernelPass) => `${keyOf(s)}|${pass}`;

interface Entry {
  shape: ConvShape;
  pass: KernelPass;
  inputGrad: boolean;
  choice: (KernelChoice & { source: 'cache' | 'timed' }) | null;
  tuning: ShapeTuning | null;
}

export class KernelTuner {
  private entries = new Map<string, Entry>();
  private compiling: Promise<void> | null = null;
  private compiled = new Set<ShapeTuning>();
  private timedCandidates = 0;
  private tuningMs = 0;
  private lastTickEnd = 0;
  private failure: string | null = null;
  private cacheLoaded: Promise<Map<string, KernelChoice>> | null = null;
  /** Operations one after another: a clear never frees a tuning that is being timed. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly adapterKey: string,
    private readonly store: Promise<KernelChoiceStore>,
    private readonly onChange: (report: KernelChoicesReport) => void,
  ) {}

  report(): KernelChoicesReport {
    const choices = [...this.entries.values()].flatMap((e) => (e.choice ? [e.choice] : []));
    return {
      adapterKey: this.adapterKey,
      choices,
      pending: [...this.entries.values()].filter((e) => !e.choice).length,
      timedCandidates: this.timedCandidates,
      tuningMs: Math.round(this.tuningMs),
      note: this.failure,
    };
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const next = this.chain.then(task, task);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private changed(): void {
    this.onChange(this.report());
  }

  /** The stored choices of this adapter, by entry key (read once). */
  private cached(): Promise<Map<string, KernelChoice>> {
    this.cacheLoaded ??= this.store
      .then((store) => store.load(this.adapterKey))
      .then(({ records }) => new Map(records.map((r) => [`${r.shape}|${r.pass}`, r])))
      .catch((error: unknown) => {
        this.failure = `The kernel choices could not be read (${String(error)}): timing again.`;
        return new Map<string, KernelChoice>();
      });
    return this.cacheLoaded;
  }

  /**
   * Before a run's first step: applies the cached choices of its shapes (so its kernels are
   * compiled ahead in their chosen layouts) and queues the others for timing.
   */
  beforeRun(spec: NetworkSpec, batch: number): Promise<void> {
    return this.exclusive(() => this.addNetwork(spec, batch));
  }

  private async addNetwork(spec: NetworkSpec, batch: number): Promise<void> {
    const cache = await this.cached();
    for (const { shape, inputGrad } of networkConvShapes(spec, batch)) {
      for (const pass of ['forward', 'backward'] as const) {
        const key = entryKey(shape, pass);
        const known = this.entries.get(key);
        if (known) {
          known.inputGrad ||= inputGrad;
          continue;
        }
        const entry: Entry = { shape, pass, inputGrad, choice: null, tuning: null };
        const stored = cache.get(`${describeShape(shape)}|${pass}`);
        const candidate = stored && candidateNamed(shape, pass, stored.choice);
        if (stored && candidate) {
          applyChoice(shape, pass, candidate);
          entry.choice = { ...stored, source: 'cache' };
        }
        this.entries.set(key, entry);
      }
    }
    this.changed();
  }

  /** Whether shapes are still to be timed. */
  get busy(): boolean {
    return [...this.entries.values()].some((e) => !e.choice);
  }

  /**
   * Between two steps: times candidates for up to SHARE of the time since the previous call
   * (at least one candidate), starting their compilation first (in the background: steps go
   * on meanwhile). Call with the device's queue holding only finished or nearly finished work.
   */
  betweenSteps(): Promise<void> {
    return this.exclusive(() => this.timeSome());
  }

  private async timeSome(): Promise<void> {
    const now = performance.now();
    const sinceLast = this.lastTickEnd > 0 ? now - this.lastTickEnd : 0;
    try {
      const todo = [...this.entries.values()].filter((e) => !e.choice);
      if (todo.length === 0) return;
      for (const e of todo) e.tuning ??= new ShapeTuning(e.shape, e.pass, e.inputGrad);
      const uncompiled = todo.map((e) => e.tuning!).filter((t) => !this.compiled.has(t));
      if (uncompiled.length > 0) {
        // A failed compilation is retried synchronously when the candidate first runs.
        this.compiling ??= compileCandidates(uncompiled)
          .catch(() => undefined)
          .finally(() => {
            for (const t of uncompiled) this.compiled.add(t);
            this.compiling = null;
          });
        return; // timed from a later step on, once compiled (nothing waits for it)
      }
      const budget = Math.min(MAX_TICK_MS, SHARE * sinceLast);
      const start = performance.now();
      for (const e of todo) {
        const t = e.tuning!;
        while (!t.done) {
          await t.timeNext(REPS);
          this.timedCandidates++;
          if (performance.now() - start >= budget) break;
        }
        if (t.done) await this.finish(e, t);
        if (performance.now() - start >= budget) break;
      }
      this.changed();
    } catch (error) {
      // Tuning never fails a run: the shapes left keep their current layouts.
      this.failure = `Kernel tuning stopped: ${error instanceof Error ? error.message : String(error)}`;
      for (const [key, e] of this.entries) {
        if (e.choice) continue;
        try {
          e.tuning?.dispose();
        } catch {
          // A lost device may refuse to free.
        }
        this.entries.delete(key);
      }
      this.changed();
    } finally {
      this.lastTickEnd = performance.now();
      this.tuningMs += this.lastTickEnd - now;
    }
  }

  private async finish(e: Entry, t: ShapeTuning): Promise<void> {
    const { choice, candidate } = t.result();
    applyChoice(e.shape, e.pass, candidate);
    e.choice = { ...choice, source: 'timed' };
    e.tuning = null;
    t.dispose();
    try {
      await (await this.store).put({ ...choice, adapter: this.adapterKey, measuredAt: Date.now() });
    } catch (error) {
      this.failure = `A kernel choice could not be stored (${String(error)}): it holds until the page closes.`;
    }
  }

  /** Forgets the stored choices of this adapter and goes back to the untuned layouts. */
  clear(): Promise<void> {
    return this.exclusive(() => this.forget());
  }

  private async forget(): Promise<void> {
    await (await this.store).clear(this.adapterKey);
    this.cacheLoaded = Promise.resolve(new Map());
    resetChoices();
    for (const e of this.entries.values()) e.tuning?.dispose();
    this.entries.clear();
    this.failure = null;
    this.changed();
  }

  /** `clear`, then times every shape of the networks seen so far again (between steps). */
  retune(): Promise<void> {
    return this.exclusive(async () => {
      const shapes = [...this.entries.values()].map(({ shape, pass, inputGrad }) => ({
        shape,
        pass,
        inputGrad,
      }));
      await this.forget();
      for (const s of shapes) {
        this.entries.set(entryKey(s.shape, s.pass), { ...s, choice: null, tuning: null });
      }
      this.changed();
    });
  }

  /** Tensors held by tunings in progress (their inputs), for the leak checks' accounting. */
  heldTensors(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.tuning?.tensorCount ?? 0;
    return n;
  }

  /** Frees the tunings' tensors (the device was lost or the backend changed). */
  dispose(): void {
    for (const e of this.entries.values()) {
      try {
        e.tuning?.dispose();
      } catch {
        // A lost device may refuse to free.
      }
      e.tuning = null;
    }
    this.entries.clear();
    resetChoices();
  }
}

/** What the worker reports when the backend is not WebGPU: nothing is tuned. */
export function untunedReport(): KernelChoicesReport {
  return {
    adapterKey: null,
    choices: [],
    pending: 0,
    timedCandidates: 0,
    tuningMs: 0,
    note: `Kernel tuning runs on WebGPU only (the backend is ${tf.getBackend()}).`,
  };
}
