import { useAppStore } from '../../state/store';
import { changeKernelChoices } from '../../state/workerActions';
import type { KernelChoicesReport } from '../../model/kernelChoices';

type Choice = KernelChoicesReport['choices'][number];

/** One tuned pass: every candidate with its time, the chosen one emphasised. */
function ChoiceRow({ c }: { c: Choice }) {
  return (
    <tr data-testid="kernel-choice">
      <td>{c.shape}</td>
      <td>{c.pass}</td>
      <td data-testid="kernel-choice-name">
        <strong>{c.choice}</strong>
        <span className="kernel-source"> ({c.source === 'cache' ? 'cached' : 'timed now'})</span>
      </td>
      <td className="kernel-candidates">
        {c.candidates.map((t, i) => (
          <span
            key={t.name}
            className={t.name === c.choice ? 'kernel-chosen' : undefined}
            title={
              t.identical
                ? undefined
                : 'Results differ in the last bits from the untuned layout: not chosen, so a run stays deterministic'
            }
          >
            {i > 0 && ' · '}
            {t.name} {t.ms.toFixed(1)} ms{t.identical ? '' : ' ≠'}
          </span>
        ))}
      </td>
    </tr>
  );
}

/**
 * The convolution layouts tuned on this adapter (issue 16): per shape and pass, what was timed
 * and what was chosen, with actions to time them again or forget them.
 */
export function KernelChoicesPanel() {
  const { status, kernels, kernelAction } = useAppStore((s) => s.worker);
  if (!kernels) return null;
  const busy = kernelAction.state === 'busy';
  const usable = status === 'ready' && kernels.adapterKey !== null;
  return (
    <section className="kernel-choices" aria-labelledby="kernel-heading">
      <h3 id="kernel-heading">Convolution kernels</h3>
      {kernels.adapterKey && (
        <p>
          Tuned for <span data-testid="kernel-adapter-key">{kernels.adapterKey}</span>
        </p>
      )}
      <p data-testid="kernel-status">
        {kernels.choices.length} passes chosen, {kernels.pending} still to time
        {kernels.pending > 0 ? ' (between training steps)' : ''};{' '}
        <span data-testid="kernel-timed-count">{kernels.timedCandidates}</span> candidates timed
        since this page opened ({(kernels.tuningMs / 1000).toFixed(1)} s between steps). Only
        layouts with bit-identical results are chosen (≠: differs).
      </p>
      {kernels.note && <p data-testid="kernel-note">{kernels.note}</p>}
      {kernels.choices.length > 0 && (
        <div className="kernel-table-wrap">
          <table className="dataset-table" aria-label="Kernel choices">
            <thead>
              <tr>
                <th>Shape (NxHxWxC, kernel, out, stride)</th>
                <th>Pass</th>
                <th>Choice</th>
                <th>Candidates (ms a run)</th>
              </tr>
            </thead>
            <tbody>
              {kernels.choices.map((c) => (
                <ChoiceRow key={`${c.shape}|${c.pass}`} c={c} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {usable && (
        <p>
          <button type="button" disabled={busy} onClick={() => void changeKernelChoices('retune')}>
            Re-tune
          </button>{' '}
          <button type="button" disabled={busy} onClick={() => void changeKernelChoices('clear')}>
            Clear
          </button>
        </p>
      )}
      {kernelAction.state === 'failed' && <p role="alert">{kernelAction.message}</p>}
    </section>
  );
}
