/**
 * The training runs as the UI sees them, fed by the worker's events (trainingActions.ts).
 *
 * Shape (read by the training panel, the charts and the runs panel):
 * - `training.runs[id]`: one run: `config` (network spec and hyperparameters), `status`
 *   ('queued' | 'running' | 'paused' | 'stopped' | 'finished' | 'failed'), `message` (why it is
 *   paused or failed), `backend`, `live` (latest step, epoch, lr, images/s, losses, time left),
 *   `checkpointStep`, and `history`: `train` points (step, epoch, loss, error, lr, images/s,
 *   one every few steps) and `test` points (step, epoch, loss, error), both in step order.
 * - `training.order`: run ids, oldest first.
 * - `training.race`: race mode (runs take turns step by step) or queue mode (one at a time).
 * - `training.error`: the last refused command, for a person (e.g. a network too large).
 * - `training.notice`: the last thing the worker did on its own (e.g. recovered from a lost GPU).
 * - `training.readOnly`: why this tab may only look at the runs (another tab trains them, or
 *   the storage closed for an update), or null when this tab controls them.
 * - `training.damaged`: stored runs that could not be read, each with why.
 * - `training.progress[id]`: how far a run is on its way to its first loss point.
 */
import type { StateCreator } from 'zustand';
import { SAMPLE_DATASET_NAME } from '../model/datasetSources';
import type { RunHistory, RunProgress, RunSummary } from '../protocol/training';

export interface TrainingRunView extends RunSummary {
  history: RunHistory;
}

/** A run's way to its first loss point (the worker's runProgress), as the UI shows it. */
export interface RunStartView extends RunProgress {
  /** The first loss point after this load is still to come (it carries the preparation time). */
  firstPointPending: boolean;
  /** Seconds since the load began when kernel preparation began (null: not seen). */
  loadedAt: number | null;
  /** Seconds since the load began when the first step began (null: not seen). */
  firstStepAt: number | null;
}

export interface TrainingSlice {
  training: {
    runs: Record<string, TrainingRunView>;
    order: string[];
    race: boolean;
    /** The stored runs have been read from the worker (after a reload). */
    listed: boolean;
    error: string | null;
    notice: string | null;
    readOnly: string | null;
    damaged: string[];
    /** The run the live read-out and controls show. */
    selectedRunId: string | null;
    /** Start phases by run id ("preparing kernels k/n", "first step", training). */
    progress: Record<string, RunStartView>;
    /** The stored dataset new runs train on (picked from the imported ones). */
    dataset: string;
    /** Runs left out of the charts (they keep their colours). */
    hiddenRuns: string[];
  };
}

export const initialTrainingState: TrainingSlice['training'] = {
  runs: {},
  order: [],
  race: false,
  listed: false,
  error: null,
  notice: null,
  readOnly: null,
  damaged: [],
  selectedRunId: null,
  progress: {},
  dataset: SAMPLE_DATASET_NAME,
  hiddenRuns: [],
};

export const createTrainingSlice: StateCreator<TrainingSlice, [], [], TrainingSlice> = () => ({
  training: initialTrainingState,
});
