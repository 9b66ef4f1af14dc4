import { useId, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { DatasetKind as ExportDataset } from '../../model/dataset';
import { IMPORTED_RUN_PREFIX } from '../../model/run';
import { useAppStore } from '../../state/store';
import {
  downloadPyTorchProject,
  importPyTorchMetrics,
  removeImportedRuns,
} from '../../state/exportActions';

type Message = { kind: 'ok' | 'error'; text: string } | null;

function text(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Outgrowing the browser: download a PyTorch project (model.py with the same weight names,
 * train.py for torchrun/DDP) of the editor's network or of a run with its weights, and import
 * the metrics a PyTorch run wrote so its curves sit beside the browser runs.
 */
export function ExportPanel() {
  const spec = useAppStore((s) => s.editor.spec);
  const { order, all } = useAppStore(
    useShallow((s) => ({ order: s.training.order, all: s.training.runs })),
  );
  // Runs with a checkpoint in IndexedDB (not imported ones): their weights can be exported.
  const runs = useMemo(
    () =>
      order.flatMap((id) => {
        const r = all[id];
        return r && !id.startsWith(IMPORTED_RUN_PREFIX) && r.checkpointStep !== null
          ? [{ id, name: r.config.name, step: r.checkpointStep, spec: r.config.spec }]
          : [];
      }),
    [order, all],
  );
  const [dataset, setDataset] = useState<ExportDataset>(
    spec.classes === 100 ? 'cifar100' : 'cifar10',
  );
  const [runId, setRunId] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  const ids = { dataset: useId(), run: useId(), file: useId() };
  const chosen = runs.find((r) => r.id === runId) ?? null;
  const importedCount = order.filter((id) => id.startsWith(IMPORTED_RUN_PREFIX)).length;

  async function onDownload() {
    setBusy(true);
    setMessage(null);
    try {
      const name = await downloadPyTorchProject(chosen?.spec ?? spec, dataset, chosen?.id ?? null);
      setMessage({ kind: 'ok', text: `Downloaded ${name}: unzip it and follow its README.md.` });
    } catch (e) {
      setMessage({ kind: 'error', text: `Could not export: ${text(e)}` });
    } finally {
      setBusy(false);
    }
  }

  async function onImport(file: File | undefined) {
    if (!file) return;
    setMessage(null);
    try {
      const name = await importPyTorchMetrics(file);
      setMessage({
        kind: 'ok',
        text: `Imported "${name}": it is in the runs list and the charts.`,
      });
    } catch (e) {
      setMessage({ kind: 'error', text: `Could not import ${file.name}: ${text(e)}` });
    }
  }

  return (
    <div className="export-panel" data-testid="export-panel">
      <h3>PyTorch export</h3>
      <p className="hint">
        A PyTorch project of{' '}
        {chosen ? `run "${chosen.name}" with its weights` : 'the network in the editor'}: model.py
        (same weight names), train.py for one or many GPUs (torchrun), the paper&apos;s recipe.
      </p>
      <label htmlFor={ids.run}>Weights</label>
      <select id={ids.run} value={runId} onChange={(e) => setRunId(e.target.value)}>
        <option value="">none (the editor&apos;s network, untrained)</option>
        {runs.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name} (checkpoint at step {r.step})
          </option>
        ))}
      </select>
      <label htmlFor={ids.dataset}>Dataset for train.py</label>
      <select
        id={ids.dataset}
        value={dataset}
        onChange={(e) => setDataset(e.target.value as ExportDataset)}
      >
        <option value="cifar10">CIFAR-10</option>
        <option value="cifar100">CIFAR-100</option>
        <option value="svhn">SVHN</option>
      </select>
      <button type="button" disabled={busy} onClick={() => void onDownload()}>
        {busy ? 'Exporting…' : 'Download PyTorch project (.zip)'}
      </button>
      <label htmlFor={ids.file}>Import PyTorch metrics (metrics.csv or metrics.json)</label>
      <input
        id={ids.file}
        type="file"
        accept=".csv,.json,text/csv,application/json"
        onChange={(e) => {
          void onImport(e.target.files?.[0]);
          e.target.value = '';
        }}
      />
      {importedCount > 0 && (
        <button
          type="button"
          onClick={() => {
            removeImportedRuns();
            setMessage({ kind: 'ok', text: 'Removed the imported runs.' });
          }}
        >
          Remove imported PyTorch runs ({importedCount})
        </button>
      )}
      {message && (
        <p
          role={message.kind === 'error' ? 'alert' : 'status'}
          className={message.kind === 'error' ? 'error' : 'ok'}
        >
          {message.text}
        </p>
      )}
    </div>
  );
}
