/**
 * The dataset panel: what is stored in IndexedDB, imports (file picker, drag and drop, URL,
 * one click from Hugging Face) with progress and cancel, delete, and a preview grid.
 */
import { useEffect, useState, type DragEvent, type FormEvent } from 'react';
import { DATASET_KINDS, type DatasetKind, type ImportSource } from '../../model/dataset';
import { HUGGING_FACE_DATASETS, huggingFaceRequest } from '../../model/datasetSources';
import {
  cancelImport,
  deletionQuestion,
  ensureSampleInstalled,
  installSample,
  refreshDatasets,
  removeDataset,
  requestPersistence,
  showPreview,
  startImport,
} from '../../state/datasetActions';
import { chooseDataset } from '../../state/startActions';
import { useAppStore } from '../../state/store';
import { formatBytes, formatCount, formatSeconds } from '../format';
import { DATASET_NAME_MAX, datasetNameFor } from '../../model/datasetName';
import { PreviewGrid } from './PreviewGrid';

/** Progress older than this: the time-left estimate is stale and is not shown. */
const STALE_PROGRESS_MS = 5_000;

/** performance.now(), re-read every second while `active` (for "no progress for N s"). */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function ImportProgressBar() {
  const running = useAppStore((s) => s.data.running);
  const now = useNow(running !== null);
  if (!running) return null;
  const p = running.progress;
  const quietMs = now - running.progressAt;
  const timeLeft =
    quietMs > STALE_PROGRESS_MS
      ? `no progress for ${Math.round(quietMs / 1000)} s`
      : !p || p.secondsLeft === null
        ? p?.phase === 'finishing'
          ? 'finishing'
          : 'time left unknown'
        : `${formatSeconds(p.secondsLeft)} left`;
  return (
    <div className="import-progress" data-testid="import-progress">
      <label>
        Importing “{running.name}” {p ? `(${p.phase})` : ''}
        <progress
          max={1}
          value={p?.fraction ?? undefined}
          aria-label={`Import progress of ${running.name}`}
        />
      </label>
      {p && (
        <span>
          {formatCount(p.images)} images · {formatCount(Math.round(p.imagesPerSec))} images/s ·{' '}
          {timeLeft}
        </span>
      )}
      {running.cancelling ? (
        <span role="status">Cancelling…</span>
      ) : (
        <button type="button" onClick={cancelImport}>
          Cancel import
        </button>
      )}
    </div>
  );
}

export function DatasetPanel() {
  const { datasets, loaded, storage, running, message, preview, sample, lost, closed } =
    useAppStore((s) => s.data);
  const [url, setUrl] = useState('');
  const [givenName, setGivenName] = useState('');
  const [kind, setKind] = useState<DatasetKind | 'auto'>('auto');
  const [dragging, setDragging] = useState(false);
  const taken = new Set(datasets.map((d) => d.name));

  useEffect(() => {
    void refreshDatasets().then(ensureSampleInstalled);
    // Asked up front: the answer is shown under the table (no prompt in Chromium).
    void requestPersistence();
  }, []);

  /** The name typed in the form, else one made from the first file or URL. */
  const importSources = (first: string, sources: ImportSource[]) => {
    const name = givenName.trim() || datasetNameFor(first, taken);
    setGivenName('');
    void startImport({ name, sources, ...(kind === 'auto' ? {} : { kind }) });
  };

  const importFiles = (files: File[]) => {
    if (files.length === 0) return;
    importSources(
      files[0]!.name,
      files.map((f) => ({ kind: 'file', name: f.name, blob: f })),
    );
  };

  const onUrl = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = url.trim();
    if (!trimmed) return;
    importSources(trimmed, [{ kind: 'url', url: trimmed }]);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    importFiles(Array.from(event.dataTransfer.files));
  };

  return (
    <section className="panel dataset-panel" aria-labelledby="datasets-heading">
      <h2 id="datasets-heading">Datasets</h2>
      {lost && (
        <p role="alert" className="field-error" data-testid="storage-lost">
          {lost}
        </p>
      )}
      {closed && (
        <p role="alert" className="field-error" data-testid="storage-closed">
          {closed}
        </p>
      )}
      {sample === 'installing' && <p role="status">Installing the shipped CIFAR-10 sample…</p>}
      {loaded && datasets.length === 0 && sample !== 'installing' && (
        <p>
          No datasets stored.{' '}
          <button type="button" onClick={() => void installSample()} disabled={!!running}>
            Install the CIFAR-10 sample
          </button>
        </p>
      )}
      <table className="dataset-table" aria-label="Stored datasets">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Images (train / test)</th>
            <th scope="col">Classes</th>
            <th scope="col">Size</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {datasets.map((d) => (
            <tr key={d.name} data-testid={`dataset-${d.name}`}>
              <th scope="row" title={d.source}>
                {d.name}
              </th>
              <td>
                {formatCount(d.splits.train?.count ?? 0)} / {formatCount(d.splits.test?.count ?? 0)}
              </td>
              <td>{d.classes}</td>
              <td>{formatBytes(d.bytes)}</td>
              <td className="dataset-actions">
                <button type="button" onClick={() => void showPreview(d.name)}>
                  Preview {d.name}
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() => {
                    if (window.confirm(deletionQuestion(d.name))) {
                      void removeDataset(d.name);
                    }
                  }}
                >
                  Delete {d.name}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {storage.usage !== null && storage.quota !== null && (
        <p className="muted" data-testid="storage-usage">
          Storage: {formatBytes(storage.usage)} of {formatBytes(storage.quota)} used
        </p>
      )}
      {storage.persisted !== null && (
        <p className="muted" data-testid="storage-persistence">
          {storage.persisted
            ? 'Persistent storage granted: the browser keeps these datasets and runs when space runs low.'
            : 'Persistent storage not granted (the browser decides, e.g. by how often you use the site): it may clear these datasets and runs when the disk runs low on space.'}
        </p>
      )}
      <h3>Import</h3>
      <label>
        Dataset name{' '}
        <input
          type="text"
          value={givenName}
          maxLength={DATASET_NAME_MAX}
          placeholder="from the file name"
          onChange={(e) => setGivenName(e.target.value)}
        />
      </label>{' '}
      <label>
        Format{' '}
        <select value={kind} onChange={(e) => setKind(e.target.value as DatasetKind | 'auto')}>
          <option value="auto">Detect from the file</option>
          {DATASET_KINDS.map((k) => (
            <option key={k} value={k}>
              {HUGGING_FACE_DATASETS[k].title}
            </option>
          ))}
        </select>
      </label>
      <div
        className={`drop-zone${dragging ? ' drop-zone--active' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <label>
          Import files (CIFAR .bin, .tar.gz, SVHN .mat, Parquet), or drop them here
          <input
            type="file"
            multiple
            disabled={!!running}
            accept=".bin,.gz,.tgz,.tar,.mat,.parquet"
            onChange={(e) => {
              importFiles(Array.from(e.target.files ?? []));
              e.target.value = '';
            }}
          />
        </label>
      </div>
      <form onSubmit={onUrl} className="url-import">
        <label>
          Import from URL{' '}
          <input
            type="url"
            value={url}
            placeholder="https://…/data_batch_1.bin"
            onChange={(e) => setUrl(e.target.value)}
          />
        </label>
        <button type="submit" disabled={!!running || !url.trim()}>
          Import URL
        </button>
      </form>
      <div className="hf-buttons" role="group" aria-label="From Hugging Face">
        {DATASET_KINDS.map((k) => (
          <button
            key={k}
            type="button"
            disabled={!!running}
            onClick={() => {
              const name = givenName.trim() || undefined;
              setGivenName('');
              void startImport(huggingFaceRequest(k, name));
            }}
          >
            {HUGGING_FACE_DATASETS[k].title} from Hugging Face
          </button>
        ))}
      </div>
      <ImportProgressBar />
      {message && (
        <p
          role={message.kind === 'error' ? 'alert' : 'status'}
          className={message.kind === 'error' ? 'error-text' : ''}
          data-testid="import-message"
        >
          {message.text}
          {message.kind === 'duplicate' && (
            <>
              {' '}
              <button
                type="button"
                data-testid="use-existing-dataset"
                onClick={() => chooseDataset(message.dataset)}
              >
                Train on “{message.dataset}”
              </button>
            </>
          )}
        </p>
      )}
      {preview && <PreviewGrid preview={preview} />}
      <p className="muted small-text">
        The shipped sample is a class-balanced subset of CIFAR-10 (Krizhevsky, 2009, “Learning
        Multiple Layers of Features from Tiny Images”).
      </p>
    </section>
  );
}
