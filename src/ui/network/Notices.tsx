import { useAppStore } from '../../state/store';
import { dismissNotice } from '../../state/editorActions';

/** Messages for the person: refused edits, a bad share link. */
export function Notices() {
  const notices = useAppStore((s) => s.editor.notices);
  if (notices.length === 0) return null;
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div
          key={n.id}
          className={`notice notice--${n.tone}`}
          role={n.tone === 'error' ? 'alert' : 'status'}
        >
          <span>{n.text}</span>
          <button
            type="button"
            className="icon"
            aria-label="Dismiss message"
            onClick={() => dismissNotice(n.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
