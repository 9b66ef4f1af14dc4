/**
 * The one zustand store, built from slices. Components read it with selectors; changes go
 * through the module-level actions beside each slice (the `*Actions.ts` files), never through
 * setters handed to components.
 */
import { create } from 'zustand';
import { createWorkerSlice, type WorkerSlice } from './workerSlice';
import { createEditorSlice, type EditorSlice } from './editorSlice';
import { createTrainingSlice, type TrainingSlice } from './trainingSlice';
import { createDatasetSlice, type DatasetSlice } from './datasetSlice';

export type AppState = WorkerSlice & EditorSlice & TrainingSlice & DatasetSlice;

export const useAppStore = create<AppState>()((...a) => ({
  ...createWorkerSlice(...a),
  ...createEditorSlice(...a),
  ...createTrainingSlice(...a),
  ...createDatasetSlice(...a),
}));
