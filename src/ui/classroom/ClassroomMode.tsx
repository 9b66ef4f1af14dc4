import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { fromPaper, tinyClassroom } from '../../model/presets';
import type { NetworkSpec } from '../../model/spec';
import { setClassroom } from '../../state/editorActions';
import { NetworkGraph } from '../graph/NetworkGraph';
import { PathHistogramChart } from '../charts/PathHistogramChart';
import { familyColor, familyOf } from '../charts/palette';
import { analysisOf } from '../../model/analysisCache';
import { MatrixView } from './MatrixView';
import { Figure5 } from './Figure5';
import { RaceGrids } from '../insights/RaceGrids';

const ONE_BLOCK: NetworkSpec = (() => {
  const spec = tinyClassroom();
  return {
    ...spec,
    name: 'One merge-and-run block',
    // conv0 as wide as the block: identity shortcuts, as Eq. 3 is written.
    stemWidth: 16,
    stages: [
      { width: 16, stride: 1, blocks: [{ kind: 'mergeAndRun', branches: 2, layersPerBranch: 2 }] },
    ],
  };
})();

function Eq3() {
  return (
    <div className="equation" role="math" aria-label="Equation 3">
      <p>
        <span className="eq-m">m</span> = ½ (x<sub>a</sub> + x<sub>b</sub>){' '}
        <span className="eq-note">merge: the average of the two stream inputs (node M)</span>
      </p>
      <p>
        x<sub>a</sub>′ = ReLU(H<sub>a</sub>(x<sub>a</sub>) + <span className="eq-m">m</span>){' '}
        <span className="eq-note">run: each branch adds m at its sum node (+)</span>
      </p>
      <p>
        x<sub>b</sub>′ = ReLU(H<sub>b</sub>(x<sub>b</sub>) + <span className="eq-m">m</span>)
      </p>
    </div>
  );
}

function BlockStep() {
  return (
    <div className="step">
      <h3>Eq. 3: one merge-and-run block</h3>
      <NetworkGraph
        spec={ONE_BLOCK}
        expanded={[]}
        scale={2.1}
        annotate
        title="One merge-and-run block, drawn large"
      />
      <Eq3 />
      <p>
        The two residual branches H<sub>a</sub> and H<sub>b</sub> (two conv layers each) work on
        different inputs. Before they add their skip, both streams are averaged (M) and the average
        is added to each branch: information from one stream reaches the other in every block.
      </p>
    </div>
  );
}

function MatrixStep() {
  return (
    <div className="step">
      <h3>The merge-and-run matrix is idempotent</h3>
      <p>
        In matrix form (Eq. 4), a block adds <b>M</b>[x<sub>a</sub>; x<sub>b</sub>] with M = ½[I I;
        I I]. Try powers of M: after any number of blocks the skips still mix the inputs by M itself
        (Eq. 5), so early features reach late blocks directly.
      </p>
      <MatrixView />
    </div>
  );
}

function PathsStep() {
  const [L, setL] = useState(24);
  const id = useId();
  const nets = (['resnet', 'dilnet', 'dmrnet'] as const).map((arch) => {
    const spec = fromPaper({ arch, L });
    const p = analysisOf(spec).paths.withoutProjections;
    return {
      id: arch,
      label: spec.name,
      color: familyColor(familyOf(spec)),
      lengths: p.lengths,
      probabilities: p.probabilities,
      mean: p.mean,
      std: p.std,
    };
  });
  return (
    <div className="step">
      <h3>Why paths get shorter (Figure 3)</h3>
      <div className="field field--slider">
        <label htmlFor={id}>
          L <output htmlFor={id}>{L}</output>
        </label>
        <input
          id={id}
          type="range"
          min={6}
          max={96}
          step={6}
          value={L}
          onChange={(e) => setL(Number(e.target.value))}
        />
      </div>
      <PathHistogramChart histograms={nets} height={300} title={`Path lengths at L = ${L}`} />
      <p>
        A path picks one way through each block. In a ResNet half the ways go through a branch (2
        layers); in a DILNet two of three; in a DMRNet only one of K + 1 = 3, because the merge
        offers a skip into <i>each</i> stream. Same plain depth, much shorter average path:{' '}
        {nets.map((n) => `${n.label} ${n.mean.toFixed(1)}`).join(', ')}.
      </p>
    </div>
  );
}

function Figure5Step() {
  return (
    <div className="step">
      <h3>Figure 5: a merge-and-run block is a wider two-branch block</h3>
      <Figure5 width={900} />
    </div>
  );
}

function RaceStep() {
  return (
    <div className="step">
      <h3>What the race’s networks see</h3>
      <p>
        The same test images for every network; a red frame marks a wrong guess. Watch the frames
        disappear as the networks train.
      </p>
      <RaceGrids />
    </div>
  );
}

const STEPS = [
  { id: 'block', label: '1 · The block (Eq. 3)', Body: BlockStep },
  { id: 'matrix', label: '2 · M^n = M', Body: MatrixStep },
  { id: 'paths', label: '3 · Shorter paths', Body: PathsStep },
  { id: 'figure5', label: '4 · Two-branch view', Body: Figure5Step },
  { id: 'race', label: '5 · The race’s predictions', Body: RaceStep },
] as const;

/** Full-screen presenter layout with large type and guided explanations of merge-and-run. */
export function ClassroomMode() {
  const [step, setStep] = useState(0);
  const ref = useRef<HTMLElement>(null);
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const baseId = useId();

  useEffect(() => {
    ref.current?.focus();
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape' && !document.fullscreenElement) setClassroom(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const go = (i: number) => {
    const next = (i + STEPS.length) % STEPS.length;
    setStep(next);
    tabs.current[next]?.focus();
  };
  const onTabKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowRight') go(step + 1);
    else if (e.key === 'ArrowLeft') go(step - 1);
  };
  const Body = STEPS[step]!.Body;

  return (
    <main className="classroom" ref={ref} tabIndex={-1} aria-label="Classroom mode">
      <header className="classroom-head">
        <h1>Merge-and-run, step by step</h1>
        <div className="classroom-tools">
          <button
            type="button"
            className="ghost"
            onClick={() => {
              if (document.fullscreenElement) void document.exitFullscreen();
              else void ref.current?.requestFullscreen().catch(() => undefined);
            }}
          >
            Full screen
          </button>
          <button type="button" onClick={() => setClassroom(false)}>
            Exit classroom mode
          </button>
        </div>
      </header>
      <div role="tablist" aria-label="Explanations" className="classroom-tabs">
        {STEPS.map((s, i) => (
          <button
            key={s.id}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            role="tab"
            type="button"
            id={`${baseId}-tab-${s.id}`}
            aria-selected={i === step}
            aria-controls={`${baseId}-panel`}
            tabIndex={i === step ? 0 : -1}
            onClick={() => setStep(i)}
            onKeyDown={onTabKey}
          >
            {s.label}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`${baseId}-panel`}
        aria-labelledby={`${baseId}-tab-${STEPS[step]!.id}`}
        className="classroom-body"
      >
        <Body />
      </div>
      <footer className="classroom-foot">
        <button type="button" className="ghost" onClick={() => go(step - 1)}>
          ← Previous
        </button>
        <span>
          {step + 1} / {STEPS.length}
        </span>
        <button type="button" onClick={() => go(step + 1)}>
          Next →
        </button>
      </footer>
    </main>
  );
}
