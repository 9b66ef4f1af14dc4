import { useAppStore } from '../../state/store';
import { isSoftwareAdapter } from '../../state/quietMoments';
import { backendBadgeText, SOFTWARE_GPU_NOTE } from './backendLabel';

function BackendBadge() {
  const { status, report, failure } = useAppStore((s) => s.worker);
  let text = 'Starting the training worker…';
  let tone = 'pending';
  if (status === 'ready' && report) {
    text = backendBadgeText(report);
    tone = isSoftwareAdapter(report) ? 'slow' : report.backend === 'webgpu' ? 'good' : 'fallback';
  } else if (status === 'failed') {
    text = `No training backend: ${failure ?? 'unknown reason'}`;
    tone = 'bad';
  }
  const details =
    report?.refused.map((r) => `${r.backend} refused: ${r.reason}`).join('\n') ?? undefined;
  return (
    <div className="backend">
      <output
        className={`backend-badge backend-badge--${tone}`}
        aria-label="Training backend"
        data-testid="backend-badge"
        data-backend={report?.backend ?? ''}
        title={details}
      >
        {text}
      </output>
      {tone === 'slow' && (
        <small className="backend-note" data-testid="backend-note">
          {SOFTWARE_GPU_NOTE}
        </small>
      )}
    </div>
  );
}

export function Header() {
  return (
    <header className="app-header">
      <h1>
        DMRNet Playground <small>merge-and-run networks, trained in your browser</small>
      </h1>
      <BackendBadge />
    </header>
  );
}
