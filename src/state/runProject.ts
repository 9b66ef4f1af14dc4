/** The files of a PyTorch project for the editor's network or for a run with its weights. */
import { exportPyTorchProject, type ExportFile } from '../export/project';
import type { ExportDataset } from '../export/readme';
import type { NamedTensor } from '../export/safetensors';
import type { NetworkSpec } from '../model/spec';
import { getWorkerClient } from './workerActions';

/** Where a run's weights come from: the training worker, which owns the runs database. */
export type RunWeightsSource = (runId: string) => Promise<NamedTensor[]>;

/** The weights of a run's last checkpoint (trainable, then BN running averages), by name. */
export const workerRunWeights: RunWeightsSource = async (runId) => {
  const reply = await getWorkerClient().request('getRunWeights', { runId });
  return reply.tensors.map((t) => ({ name: t.name, shape: t.shape, data: t.values }));
};

/** Throws with a clear message for an unsupported spec or weights of another network. */
export async function projectFiles(
  spec: NetworkSpec,
  dataset: ExportDataset,
  runId: string | null,
  runWeights: RunWeightsSource = workerRunWeights,
): Promise<ExportFile[]> {
  const weights = runId ? await runWeights(runId) : undefined;
  return exportPyTorchProject(spec, { dataset, weights });
}
