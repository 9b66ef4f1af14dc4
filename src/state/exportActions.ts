/**
 * The PyTorch export from the page: the project of the editor's network (or of a run, with
 * that run's weights from its last checkpoint in IndexedDB) as a .zip download, and a PyTorch
 * run's metrics imported into the training slice beside the browser runs.
 */
import { parseMetrics } from '../export/metrics';
import { slug } from '../export/project';
import type { ExportDataset } from '../export/readme';
import { zipProject } from '../export/zip';
import type { NetworkSpec } from '../model/spec';
import { useAppStore } from './store';
import { applyRunUpdate } from './trainingActions';
import { IMPORTED_RUN_PREFIX, importedRunSummary } from '../export/importedRun';
import { projectFiles } from './runProject';

function download(bytes: Uint8Array, fileName: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/zip' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Builds and downloads the project; resolves to the file name (throws with a clear message). */
export async function downloadPyTorchProject(
  spec: NetworkSpec,
  dataset: ExportDataset,
  runId: string | null,
): Promise<string> {
  const files = await projectFiles(spec, dataset, runId);
  const folder = `${slug(spec.name)}-pytorch`;
  download(zipProject(files, folder), `${folder}.zip`);
  return `${folder}.zip`;
}

let imported = 0;

/** Reads metrics.csv / metrics.json into a finished run of the charts; returns its name. */
export async function importPyTorchMetrics(file: File): Promise<string> {
  const metrics = parseMetrics(await file.text(), file.name);
  const id = `${IMPORTED_RUN_PREFIX}${Date.now()}-${++imported}`;
  const state = useAppStore.getState();
  const run = importedRunSummary(metrics, state.editor.spec, id);
  useAppStore.setState((s) => ({ training: applyRunUpdate(s.training, run, metrics.history) }));
  return run.config.name;
}

/** Drops the imported PyTorch runs from the page (the worker never knew them). */
export function removeImportedRuns(): void {
  useAppStore.setState((s) => {
    const t = s.training;
    const keep = t.order.filter((id) => !id.startsWith(IMPORTED_RUN_PREFIX));
    const runs = Object.fromEntries(keep.flatMap((id) => (t.runs[id] ? [[id, t.runs[id]]] : [])));
    const selected =
      t.selectedRunId && keep.includes(t.selectedRunId) ? t.selectedRunId : (keep[0] ?? null);
    return { training: { ...t, runs, order: keep, selectedRunId: selected } };
  });
}
