/** The files of a PyTorch project for the editor's network or for a run with its weights. */
import { exportPyTorchProject, type ExportFile } from '../export/project';
import type { ExportDataset } from '../export/readme';
import type { NamedTensor } from '../export/safetensors';
import type { NetworkSpec } from '../model/spec';
import { loadCheckpoint, openRunsDb, RUNS_DB_NAME } from '../storage/checkpoint';

/** The weights of a run's last checkpoint (trainable, then BN running averages), by name. */
export async function runWeights(runId: string, dbName = RUNS_DB_NAME): Promise<NamedTensor[]> {
  const db = await openRunsDb(dbName);
  try {
    const ckpt = await loadCheckpoint(db, runId);
    if (!ckpt) {
      throw new Error('this run has no checkpoint yet: let it train a little, then pause it');
    }
    return [...ckpt.weights, ...ckpt.running].map((t) => ({
      name: t.name,
      shape: t.shape,
      data: t.values,
    }));
  } finally {
    db.close();
  }
}

/** Throws with a clear message for an unsupported spec or weights of another network. */
export async function projectFiles(
  spec: NetworkSpec,
  dataset: ExportDataset,
  runId: string | null,
  dbName = RUNS_DB_NAME,
): Promise<ExportFile[]> {
  const weights = runId ? await runWeights(runId, dbName) : undefined;
  return exportPyTorchProject(spec, { dataset, weights });
}
