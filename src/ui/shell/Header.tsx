import { useAppStore } from '../../state/store';
import { backendBadgeText } from './backendLabel';

function BackendBadge() {
  const { status, report, failure } = useAppStore((s) => s.worker);
  let text = 'Starting the training worker…';
  let tone = 'pending';
  if (status === 'ready' && report) {
    text = backendBadgeText(report);
    tone = report.backend === 'webgpu' ? 'good' : 'fallback';
  } else if (status === 'failed') {
    text = `No training backend: ${failure ?? 'unknown reason'}`;
    tone = 'bad';
  }
  const details =
    report?.refused.map((r) => `${r.backend} refused: ${r.reason}`).join('\n') ?? undefined;
  return (
    <output
      className={`backend-badge backend-badge--${tone}`}
      aria-label="Training backend"
      data-testid="backend-badge"
      data-backend={report?.backend ?? ''}
      title={details}
    >
      {text}
    </output>
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
