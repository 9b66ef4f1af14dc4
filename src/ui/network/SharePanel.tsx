import { memo, useDeferredValue, useEffect, useId, useState } from 'react';
import { useAppStore } from '../../state/store';
import { shareUrl, type SharedState } from '../../state/urlState';

/** The share link of the current network and hyperparameters; the page URL follows it. */
export function SharePanel() {
  // Deferred like the histogram: compressing the link must not delay the counts.
  const spec = useDeferredValue(useAppStore((s) => s.editor.spec));
  const hyper = useDeferredValue(useAppStore((s) => s.editor.hyper));
  return <ShareView spec={spec} hyper={hyper} />;
}

const ShareView = memo(function ShareView({ spec, hyper }: SharedState) {
  const [status, setStatus] = useState('');
  const id = useId();
  const url = shareUrl(window.location, { spec, hyper });

  // Keep the address bar in step (replaceState: slider moves do not fill the history).
  useEffect(() => {
    const t = window.setTimeout(() => {
      const hash = url.slice(url.indexOf('#'));
      if (window.location.hash !== hash) window.history.replaceState(null, '', hash);
    }, 250);
    return () => window.clearTimeout(t);
  }, [url]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setStatus('Link copied.');
    } catch {
      setStatus('Copying was refused by the browser: select the link and copy it.');
    }
  };
  return (
    <div className="share">
      <label htmlFor={id}>Share link (network and hyperparameters)</label>
      <div className="share-row">
        <input
          id={id}
          readOnly
          value={url}
          onFocus={(e) => e.currentTarget.select()}
          data-testid="share-url"
        />
        <button type="button" onClick={() => void copy()}>
          Copy share link
        </button>
      </div>
      <p role="status" className="hint">
        {status}
      </p>
    </div>
  );
});
