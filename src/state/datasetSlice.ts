/**
 * The datasets' part of the one store: the stored datasets, storage usage, the running import,
 * the preview and the shipped sample's state. Its actions are in datasetActions.ts.
 */
import type { StateCreator } from 'zustand';
import type { DatasetManifest, ImportProgress, Split } from '../model/dataset';

export interface StorageInfo {
  usage: number | null;
  quota: number | null;
  persisted: boolean | null;
}

export interface ImportState {
  id: number;
  name: string;
  progress: ImportProgress | null;
  /** When the last progress came (ms, performance.now()): a stale estimate is not shown. */
  progressAt: number;
  /** Cancel was pressed; the import ends within IMPORT_CANCEL_GRACE_MS. */
  cancelling: boolean;
}

export interface Preview {
  name: string;
  split: Split;
  /** count x 32 x 32 x 3, NHWC. */
  pixels: Uint8Array;
  labels: string[];
}

export interface DatasetPanelState {
  datasets: DatasetManifest[];
  loaded: boolean;
  storage: StorageInfo;
  running: ImportState | null;
  /**
   * The last import's outcome, for a person (role=status / role=alert); `duplicate`: its images
   * were already stored as `dataset`, which is offered instead.
   */
  message:
    | { kind: 'done' | 'error'; text: string }
    | { kind: 'duplicate'; text: string; dataset: string }
    | null;
  preview: Preview | null;
  sample: 'unknown' | 'installing' | 'installed' | 'absent';
  /** Datasets stored earlier that the browser dropped (found at start-up), for a person. */
  lost: string | null;
  /** This tab's connection to the dataset store was closed for an update in another tab. */
  closed: string | null;
}

export const initialDatasetState: DatasetPanelState = {
  datasets: [],
  loaded: false,
  storage: { usage: null, quota: null, persisted: null },
  running: null,
  message: null,
  preview: null,
  sample: 'unknown',
  lost: null,
  closed: null,
};

export interface DatasetSlice {
  data: DatasetPanelState;
}

export const createDatasetSlice: StateCreator<DatasetSlice, [], [], DatasetSlice> = () => ({
  data: initialDatasetState,
});
