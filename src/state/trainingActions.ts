/**
 * Module-level actions for training: they send the worker's run commands and fold its events
 * (runUpdate, runMetrics, runList, backendChanged) into the training slice.
 */
import type {
  BackendReport,
  EventMap,
  RunConfig,
  RunHistory,
  RunMetricsUpdate,
  RunSummary,
  WorkerClient,
} from '../protocol/training';
import { lostDataMessage, missingSinceMarker, writeMarker } from '../storage/storedMarker';
import { receiveProgress, refineFromMetrics } from './deviceCost';
import { isSoftwareAdapter, runQuietMoment, setPaced } from './quietMoments';
import { useAppStore } from './store';
import type { TrainingRunView, TrainingSlice } from './trainingSlice';
import { getWorkerClient } from './workerActions';

type Training = TrainingSlice['training'];

function setTraining(update: (t: Training) => Partial<Training>): void {
  useAppStore.setState((s) => ({ training: { ...s.training, ...update(s.training) } }));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Pure: the slice after a run's summary (and maybe its whole history) arrived. */
export function applyRunUpdate(t: Training, run: RunSummary, history?: RunHistory): Training {
  const existing = t.runs[run.id];
  const view: TrainingRunView = {
    ...run,
    history: history ?? existing?.history ?? { train: [], test: [] },
  };
  return {
    ...t,
    runs: { ...t.runs, [run.id]: view },
    order: existing ? t.order : [...t.order, run.id],
    selectedRunId: t.selectedRunId ?? run.id,
  };
}

/** Pure: the slice after a batch of metrics (points appended, live numbers replaced). */
export function applyMetrics(t: Training, updates: RunMetricsUpdate[]): Training {
  const runs = { ...t.runs };
  for (const u of updates) {
    const run = runs[u.runId];
    if (!run) continue;
    runs[u.runId] = {
      ...run,
      live: u.live,
      history: {
        train: u.train.length > 0 ? [...run.history.train, ...u.train] : run.history.train,
        test: u.test.length > 0 ? [...run.history.test, ...u.test] : run.history.test,
        ...(u.grid || run.history.grid ? { grid: u.grid ?? run.history.grid } : {}),
      },
    };
  }
  return { ...t, runs };
}

/** Pure: the slice from the worker's stored runs. */
export function applyRunList(t: Training, list: EventMap['runList']): Training {
  let next: Training = {
    ...t,
    runs: {},
    order: [],
    race: list.race,
    readOnly: list.readOnly,
    damaged: list.damaged,
    listed: true,
    selectedRunId: null,
  };
  for (const { run, history } of list.runs) next = applyRunUpdate(next, run, history);
  if (t.selectedRunId && next.runs[t.selectedRunId]) next.selectedRunId = t.selectedRunId;
  return next;
}

let connected: WorkerClient | null = null;

/** Paces the training on a software GPU adapter (see state/quietMoments), not elsewhere. */
function pace(client: WorkerClient, report: BackendReport | null | undefined): void {
  const enabled = isSoftwareAdapter(report);
  setPaced(enabled);
  client.post('setPacing', { enabled });
}

/** Listens to the worker's training events and reads the stored runs (call once it is ready). */
export async function connectTraining(): Promise<void> {
  const client = getWorkerClient();
  if (connected === client) return;
  connected = client;
  client.on('runUpdate', (e) => setTraining((t) => applyRunUpdate(t, e.run, e.history)));
  client.on('runMetrics', (e) => {
    refineFromMetrics(e.updates);
    setTraining((t) => applyMetrics(t, e.updates));
  });
  client.on('runProgress', receiveProgress);
  client.on('runDeleted', (e) =>
    setTraining((t) => {
      const runs = { ...t.runs };
      delete runs[e.runId];
      return {
        runs,
        order: t.order.filter((id) => id !== e.runId),
        selectedRunId: t.selectedRunId === e.runId ? (t.order[0] ?? null) : t.selectedRunId,
      };
    }),
  );
  client.on('backendChanged', (e) => {
    useAppStore.setState((s) => ({ worker: { ...s.worker, report: e.report } }));
    setTraining(() => ({ notice: e.reason }));
    pace(client, e.report);
  });
  // Pacing (state/quietMoments): in the worker's quiet moments the charts redraw, then it goes on.
  client.on('quietMoment', () => {
    void runQuietMoment().finally(() => client.post('quietDone', {}));
  });
  client.on('runsOwner', (e) => {
    setTraining(() => ({ readOnly: e.readOnly, notice: e.notice }));
    void listRuns(client);
  });
  pace(client, useAppStore.getState().worker.report);
  // The page going away (closed, reloaded, hidden): checkpoint the running runs now.
  const checkpointNow = () => client.post('checkpointNow', {});
  window.addEventListener('pagehide', checkpointNow);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') checkpointNow();
  });
  await listRuns(client);
  watchReadOnly(client);
}

let markerChecked = false;

/**
 * The runs marker kept apart from IndexedDB (storage/storedMarker): at the first list, runs it
 * names that the store lacks were dropped by the browser, and the user is told; from then on it
 * follows the runs.
 */
function followRunsMarker(ids: string[]): void {
  if (typeof localStorage === 'undefined') return;
  if (!markerChecked) {
    markerChecked = true;
    const missing = missingSinceMarker(localStorage, 'runs', ids);
    if (missing.length > 0) setTraining(() => ({ notice: lostDataMessage([], missing.length) }));
    useAppStore.subscribe((s, prev) => {
      if (s.training.order !== prev.training.order && s.training.listed) {
        writeMarker(localStorage, 'runs', s.training.order);
      }
    });
  }
  writeMarker(localStorage, 'runs', ids);
}

async function listRuns(client: WorkerClient): Promise<void> {
  try {
    const list = await client.request('listRuns', {});
    setTraining((t) => applyRunList(t, list));
    followRunsMarker(list.runs.map((r) => r.run.id));
  } catch (error) {
    setTraining(() => ({ error: `Could not read the stored runs: ${message(error)}` }));
  }
}

/** Read only (another tab trains the runs): the stored runs are read again every few seconds. */
const READ_ONLY_REFRESH_MS = 3000;

function watchReadOnly(client: WorkerClient): void {
  const timer = setInterval(() => {
    if (connected !== client) {
      clearInterval(timer);
      return;
    }
    if (useAppStore.getState().training.readOnly) void listRuns(client);
  }, READ_ONLY_REFRESH_MS);
}

async function command(run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    setTraining(() => ({ error: null }));
    return true;
  } catch (error) {
    setTraining(() => ({ error: message(error) }));
    return false;
  }
}

/** Starts a run; on refusal (bad config, network too large) `training.error` says why. */
export async function startRun(config: RunConfig): Promise<string | null> {
  let id: string | null = null;
  await command(async () => {
    const reply = await getWorkerClient().request('startRun', { config }, 300_000);
    id = reply.run.id;
    setTraining((t) => ({ ...applyRunUpdate(t, reply.run), selectedRunId: reply.run.id }));
  });
  return id;
}

export const pauseRun = (runId: string) =>
  command(() => getWorkerClient().request('pauseRun', { runId }, 300_000));
export const resumeRun = (runId: string) =>
  command(() => getWorkerClient().request('resumeRun', { runId }, 300_000));
export const stopRun = (runId: string) =>
  command(() => getWorkerClient().request('stopRun', { runId }, 300_000));
export const stepRun = (runId: string) =>
  command(() => getWorkerClient().request('stepRun', { runId }, 300_000));
export const deleteRun = (runId: string) =>
  command(() => getWorkerClient().request('deleteRun', { runId }, 300_000));

export function setLearningRate(runId: string, lr: number): Promise<boolean> {
  return command(async () => {
    const reply = await getWorkerClient().request('setLearningRate', { runId, lr });
    setTraining((t) => applyRunUpdate(t, reply.run));
  });
}

export function setRaceMode(race: boolean): Promise<boolean> {
  return command(async () => {
    const reply = await getWorkerClient().request('setRaceMode', { race });
    setTraining(() => ({ race: reply.race }));
  });
}

/** Leaves a run out of the charts, or brings it back. */
export function setRunHidden(runId: string, hidden: boolean): void {
  setTraining((t) => ({
    hiddenRuns: hidden
      ? [...t.hiddenRuns.filter((id) => id !== runId), runId]
      : t.hiddenRuns.filter((id) => id !== runId),
  }));
}

export function selectRun(runId: string): void {
  setTraining(() => ({ selectedRunId: runId }));
}

export function dismissTrainingMessages(): void {
  setTraining(() => ({ error: null, notice: null }));
}

/**
 * Test hook, installed only with `?test-hooks` in the URL: lets an end-to-end test destroy the
 * worker's WebGPU device, as a driver reset would.
 */
export function installTrainingTestHooks(search: string): void {
  if (!new URLSearchParams(search).has('test-hooks')) return;
  (globalThis as { __dmrnetTest?: object }).__dmrnetTest = {
    destroyDevice: () => getWorkerClient().request('destroyDevice', {}),
    memory: () => getWorkerClient().request('memory', {}),
    measureTestPass: (runId: string, passes: number, insight?: boolean) =>
      getWorkerClient().request(
        'measureTestPass',
        { runId, passes, ...(insight === undefined ? {} : { insight }) },
        600_000,
      ),
  };
}
