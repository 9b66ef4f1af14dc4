import { useId, useState } from 'react';
import { useAppStore } from '../../state/store';
import { setHyperparameters } from '../../state/editorActions';
import { DECAY_RULES, DECAY_RULE_LABEL, PAD_FILLS, PAD_FILL_LABEL } from '../../model/recipe';
import {
  BACKEND_CHOICES,
  SCHEDULES,
  SCHEDULE_LABEL,
  validateHyperparameters,
  type HyperErrors,
  type Hyperparameters,
} from '../../model/hyperparameters';
import { HYPER_HINTS } from './hyperHints';

type Draft = Record<keyof Hyperparameters, string>;

function toDraft(h: Hyperparameters): Draft {
  return {
    epochs: String(h.epochs),
    batchSize: String(h.batchSize),
    learningRate: String(h.learningRate),
    schedule: h.schedule,
    weightDecay: String(h.weightDecay),
    decay: h.decay,
    augmentation: h.augmentation ? 'on' : 'off',
    padFill: h.padFill,
    bnBatch: String(h.bnBatch),
    seed: String(h.seed),
    backend: h.backend,
    trainLimit: String(h.trainLimit),
    testLimit: String(h.testLimit),
    evalEverySteps: String(h.evalEverySteps),
  };
}

function fromDraft(d: Draft): Record<string, unknown> {
  return { ...d, augmentation: d.augmentation === 'on' };
}

const BACKEND_LABEL: Record<(typeof BACKEND_CHOICES)[number], string> = {
  auto: 'Best available (WebGPU, then WebGL, then CPU)',
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  cpu: 'CPU',
};

const NUMBER_FIELDS: { key: keyof Hyperparameters; label: string; step: string }[] = [
  { key: 'epochs', label: 'Epochs', step: '1' },
  { key: 'batchSize', label: 'Batch size', step: '1' },
  { key: 'learningRate', label: 'Learning rate', step: 'any' },
  { key: 'weightDecay', label: 'Weight decay', step: 'any' },
  { key: 'bnBatch', label: 'BN batch (0: whole batch)', step: '1' },
  { key: 'seed', label: 'Seed', step: '1' },
  { key: 'trainLimit', label: 'Training images per epoch (0: all)', step: '1' },
  { key: 'testLimit', label: 'Test images (0: all)', step: '1' },
  { key: 'evalEverySteps', label: 'Test every N steps (0: each epoch)', step: '1' },
];

/** Hyperparameters for the next run (Section 4.2), with a message under each wrong field. */
export function HyperForm() {
  const hyper = useAppStore((s) => s.editor.hyper);
  const backendNow = useAppStore((s) => s.worker.report?.backend ?? null);
  const [draft, setDraft] = useState<Draft>(() => toDraft(hyper));
  const [errors, setErrors] = useState<HyperErrors>({});
  const baseId = useId();

  // A shared link changes the stored values: show them (unless they came from this form).
  const [seen, setSeen] = useState(hyper);
  if (seen !== hyper) {
    setSeen(hyper);
    const mine = validateHyperparameters(fromDraft(draft));
    if (!mine.ok || JSON.stringify(mine.value) !== JSON.stringify(hyper)) {
      setDraft(toDraft(hyper));
      setErrors({});
    }
  }

  const change = (key: keyof Hyperparameters, value: string) => {
    const next = { ...draft, [key]: value };
    setDraft(next);
    const r = validateHyperparameters(fromDraft(next));
    setErrors(r.ok ? {} : r.errors);
    if (r.ok) setHyperparameters(r.value);
  };

  const field = (key: keyof Hyperparameters) => ({
    id: `${baseId}-${key}`,
    'aria-invalid': errors[key] ? true : undefined,
    'aria-describedby': errors[key]
      ? `${baseId}-${key}-error ${baseId}-${key}-help`
      : `${baseId}-${key}-help`,
  });
  // The hint always shows (not only in a tooltip); a wrong value's message comes first.
  const message = (key: keyof Hyperparameters) => (
    <>
      {errors[key] && (
        <p className="field-error" id={`${baseId}-${key}-error`} role="alert">
          {errors[key]}
        </p>
      )}
      <p className="field-help" id={`${baseId}-${key}-help`} data-testid={`hint-${key}`}>
        {HYPER_HINTS[key]}
      </p>
    </>
  );

  const wantedBackend = draft.backend;
  const reloadNeeded =
    wantedBackend !== 'auto' && backendNow !== null && wantedBackend !== backendNow;

  return (
    <form
      className="hyper-form"
      aria-label="Hyperparameters"
      onSubmit={(e) => e.preventDefault()}
      noValidate
    >
      {NUMBER_FIELDS.map((f) => (
        <div className="field" key={f.key}>
          <label htmlFor={`${baseId}-${f.key}`}>{f.label}</label>
          <input
            {...field(f.key)}
            type="number"
            inputMode="decimal"
            step={f.step}
            value={draft[f.key]}
            onChange={(e) => change(f.key, e.target.value)}
          />
          {message(f.key)}
        </div>
      ))}
      <div className="field">
        <label htmlFor={`${baseId}-schedule`}>Learning-rate schedule</label>
        <select
          {...field('schedule')}
          value={draft.schedule}
          onChange={(e) => change('schedule', e.target.value)}
        >
          {SCHEDULES.map((s) => (
            <option key={s} value={s}>
              {SCHEDULE_LABEL[s]}
            </option>
          ))}
        </select>
        {message('schedule')}
      </div>
      <div className="field">
        <label htmlFor={`${baseId}-decay`}>Weight decay on</label>
        <select
          {...field('decay')}
          value={draft.decay}
          onChange={(e) => change('decay', e.target.value)}
        >
          {DECAY_RULES.map((d) => (
            <option key={d} value={d}>
              {DECAY_RULE_LABEL[d]}
            </option>
          ))}
        </select>
        {message('decay')}
      </div>
      <div className="field">
        <label htmlFor={`${baseId}-augmentation`}>Augmentation</label>
        <select
          {...field('augmentation')}
          value={draft.augmentation}
          onChange={(e) => change('augmentation', e.target.value)}
        >
          <option value="on">Pad 4, random crop, flip (paper, CIFAR)</option>
          <option value="off">None (paper, SVHN)</option>
        </select>
        {message('augmentation')}
      </div>
      <div className="field">
        <label htmlFor={`${baseId}-padFill`}>Padding fill</label>
        <select
          {...field('padFill')}
          value={draft.padFill}
          onChange={(e) => change('padFill', e.target.value)}
        >
          {PAD_FILLS.map((f) => (
            <option key={f} value={f}>
              {PAD_FILL_LABEL[f]}
            </option>
          ))}
        </select>
        {message('padFill')}
      </div>
      <div className="field">
        <label htmlFor={`${baseId}-backend`}>Backend</label>
        <select
          {...field('backend')}
          value={draft.backend}
          onChange={(e) => change('backend', e.target.value)}
        >
          {BACKEND_CHOICES.map((b) => (
            <option key={b} value={b}>
              {BACKEND_LABEL[b]}
            </option>
          ))}
        </select>
        {message('backend')}
        {reloadNeeded && (
          <p className="hint">
            The worker runs on {backendNow}; tfjs picks its backend once.{' '}
            <a href={`?backend=${wantedBackend}${window.location.hash}`}>
              Reload with {wantedBackend}
            </a>
          </p>
        )}
      </div>
    </form>
  );
}
