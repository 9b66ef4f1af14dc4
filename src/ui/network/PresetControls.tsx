import { useId } from 'react';
import { PAPER_PRESETS, type PaperArch } from '../../model/presets';
import { useAppStore } from '../../state/store';
import { choosePreset, lStep, setWiden } from '../../state/editorActions';
import { chooseTinyPreset } from '../../state/startActions';
import { analysisOf } from '../../model/analysisCache';
import { DEFAULT_PRESET } from '../../state/editorSlice';

const ARCHS: { id: PaperArch; label: string }[] = [
  { id: 'resnet', label: 'ResNet (Eq. 1)' },
  { id: 'dilnet', label: 'DILNet, inception-like (Eq. 2)' },
  { id: 'dmrnet', label: 'DMRNet, merge-and-run (Eq. 3)' },
  { id: 'identity', label: 'Identity streams (Table 5)' },
];

export const L_MAX = 120;
const TINY_ID = 'tiny-classroom';
/** tinyClassroom's names start so (model/presets.ts). */
const TINY_NAME = 'Classroom DMRNet';

/** Family, paper preset, L, width and K: each change regenerates the preset network. */
export function PresetControls() {
  const preset = useAppStore((s) => s.editor.preset);
  const spec = useAppStore((s) => s.editor.spec);
  const widen = spec.widen;
  // Without a preset the controls show what the network is: its L from the analysis.
  const tableL = analysisOf(spec).tableL;
  const current = preset ?? { ...DEFAULT_PRESET, widen, L: tableL };
  const tiny = !preset && spec.name.startsWith(TINY_NAME);
  const channels = spec.stages.map((st) => st.width * widen).join(', ');
  const ids = {
    arch: useId(),
    table: useId(),
    L: useId(),
    widen: useId(),
    K: useId(),
    sharing: useId(),
  };
  const step = lStep(current.arch);
  const matching = PAPER_PRESETS.find(
    (p) =>
      preset &&
      p.options.arch === preset.arch &&
      p.options.L === preset.L &&
      (p.options.widen ?? 1) === preset.widen &&
      (p.options.K ?? 2) === preset.K &&
      (p.options.sharing ?? 'full') === preset.sharing,
  );

  return (
    <div className="preset-controls">
      <div className="field">
        <label htmlFor={ids.table}>Paper configuration</label>
        <select
          id={ids.table}
          value={tiny ? TINY_ID : (matching?.id ?? '')}
          onChange={(e) => {
            if (e.target.value === TINY_ID) return chooseTinyPreset();
            const p = PAPER_PRESETS.find((x) => x.id === e.target.value);
            if (p) {
              choosePreset({
                arch: p.options.arch,
                L: p.options.L,
                widen: p.options.widen ?? 1,
                K: p.options.K ?? 2,
                sharing: p.options.sharing ?? 'full',
              });
            }
          }}
        >
          <option value="">{preset ? 'Custom L / width' : spec.name}</option>
          {([2, 3, 5] as const).map((t) => (
            <optgroup key={t} label={`Table ${t}`}>
              {PAPER_PRESETS.filter((p) => p.table === t).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            </optgroup>
          ))}
          <optgroup label="Classroom">
            <option value={TINY_ID}>Tiny classroom DMRNet (trains in seconds)</option>
          </optgroup>
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.arch}>Network family</label>
        <select
          id={ids.arch}
          value={current.arch}
          onChange={(e) => {
            const arch = ARCHS.find((a) => a.id === e.target.value)?.id;
            if (arch) choosePreset({ ...current, arch });
          }}
        >
          {ARCHS.map((a) => (
            <option key={a.id} value={a.id}>
              {a.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field field--slider">
        <label htmlFor={ids.L}>
          L (plain depth 2L + 2) <output htmlFor={ids.L}>{current.L}</output>
        </label>
        <input
          id={ids.L}
          type="range"
          min={step}
          max={L_MAX}
          step={step}
          value={current.L}
          aria-valuetext={`L = ${current.L}`}
          onChange={(e) => choosePreset({ ...current, L: Number(e.target.value) })}
        />
      </div>
      <div className="field field--slider">
        <label htmlFor={ids.widen}>
          Width (widen factor){' '}
          <output htmlFor={ids.widen} title={`channels per stage: ${channels}`}>
            ×{widen} ({channels} ch)
          </output>
        </label>
        <input
          id={ids.widen}
          type="range"
          min={1}
          max={8}
          step={1}
          value={widen}
          aria-valuetext={`widen × ${widen}`}
          onChange={(e) => setWiden(Number(e.target.value))}
        />
      </div>
      {current.arch !== 'resnet' && (
        <div className="field">
          <label htmlFor={ids.K}>K (branches / streams)</label>
          <select
            id={ids.K}
            value={current.K}
            onChange={(e) => choosePreset({ ...current, K: Number(e.target.value) })}
          >
            {[2, 3, 4, 5, 6].map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
      )}
      {(current.arch === 'identity' || current.arch === 'dmrnet') && (
        <div className="field">
          <label htmlFor={ids.sharing}>conv0 and FC (Table 5)</label>
          <select
            id={ids.sharing}
            value={current.sharing}
            onChange={(e) =>
              choosePreset({ ...current, sharing: e.target.value === 'none' ? 'none' : 'full' })
            }
          >
            <option value="full">Shared by the streams</option>
            <option value="none">One per stream (no sharing)</option>
          </select>
        </div>
      )}
      {!preset && (
        <p className="hint" role="note">
          {tiny
            ? 'The tiny classroom network: moving a slider replaces it with a paper network.'
            : 'This network was built by hand: moving a slider replaces it with the preset.'}
        </p>
      )}
    </div>
  );
}
