import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { planStart, sizeOfManifest, type StartPlan } from '../../state/startActions';
import { useAppStore } from '../../state/store';

/**
 * The start plan for what the editor holds now (estimate, and the dialog's offers), recomputed
 * as L, width, batch or the dataset move; null while the device is measured or the dataset is
 * missing, with the reason.
 */
export function useStartPlan(): { plan: StartPlan | null; waiting: string | null } {
  const { cost, spec, hyper, dataset } = useAppStore(
    useShallow((s) => ({
      cost: s.worker.cost,
      spec: s.editor.spec,
      hyper: s.editor.hyper,
      dataset: s.training.dataset,
    })),
  );
  const manifest = useAppStore((s) => s.data.datasets.find((d) => d.name === dataset));
  return useMemo(() => {
    if (cost.state === 'measuring') return { plan: null, waiting: 'Measuring this device…' };
    if (cost.state === 'failed') return { plan: null, waiting: cost.message };
    if (!manifest) return { plan: null, waiting: `No dataset "${dataset}" yet.` };
    const size = sizeOfManifest(manifest);
    return { plan: planStart(cost.calibration, spec, hyper, dataset, size), waiting: null };
  }, [cost, spec, hyper, dataset, manifest]);
}
