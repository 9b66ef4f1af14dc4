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
 */
import type { StateCreator } from 'zustand';
import type { RunHistory, RunSummary } from '../protocol/training';

export interface TrainingRunView extends RunSummary {
  history: RunHistory;
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
};

export const createTrainingSlice: StateCreator<TrainingSlice, [], [], TrainingSlice> = () => ({
  training: initialTrainingState,
});
