import { useEffect, type ReactNode } from 'react';
import './playground.css';
import { Header } from '../ui/shell/Header';
import { DeviceCheckPanel } from '../ui/shell/DeviceCheckPanel';
import { TrainingPanel } from '../ui/train/TrainingPanel';
import { useAppStore } from '../state/store';
import { loadShareHash, setClassroom } from '../state/editorActions';
import { PresetControls } from '../ui/network/PresetControls';
import { NetworkEditor } from '../ui/editor/NetworkEditor';
import { NetworkStats } from '../ui/network/NetworkStats';
import { GraphPanel } from '../ui/network/GraphPanel';
import { PathPanel } from '../ui/network/PathPanel';
import { SharePanel } from '../ui/network/SharePanel';
import { Notices } from '../ui/network/Notices';
import { HyperForm } from '../ui/hyper/HyperForm';
import { RunsPanel } from '../ui/runs/RunsPanel';
import { ExportPanel } from '../ui/export/ExportPanel';
import { TrainingCharts } from '../ui/runs/TrainingCharts';
import { ClassroomMode } from '../ui/classroom/ClassroomMode';
import { DatasetPanel } from '../ui/data/DatasetPanel';
import { InsightsPanel } from '../ui/insights/InsightsPanel';

/** Opens a shared link on load and when the hash is edited by hand. */
function useShareHash(): void {
  useEffect(() => {
    loadShareHash(window.location.hash);
    const onHash = () => loadShareHash(window.location.hash);
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
}

function Section({
  id,
  title,
  className,
  children,
}: {
  id: string;
  title: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <section className={`panel ${className ?? ''}`} aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{title}</h2>
      {children}
    </section>
  );
}

/** Only these re-render on a slider move: the name and the counts (the rest defers). */
function CurrentName() {
  const name = useAppStore((s) => s.editor.spec.name);
  return (
    <span className="current-net" data-testid="current-network">
      {name}
    </span>
  );
}

function CurrentStats() {
  const spec = useAppStore((s) => s.editor.spec);
  const batch = useAppStore((s) => s.editor.hyper.batchSize);
  return <NetworkStats spec={spec} batch={batch} />;
}

export function App() {
  useShareHash();
  const classroom = useAppStore((s) => s.editor.classroom);
  if (classroom) return <ClassroomMode />;
  return (
    <div className="app">
      <Header />
      <nav className="app-toolbar" aria-label="Playground">
        <CurrentName />
        <button type="button" onClick={() => setClassroom(true)}>
          Classroom mode
        </button>
      </nav>
      <Notices />
      <main className="playground">
        <Section id="network" title="Network" className="area-editor">
          <PresetControls />
          <NetworkEditor />
        </Section>
        <Section id="drawing" title="Drawing (Figure 2) and counts" className="area-graph">
          <CurrentStats />
          <GraphPanel />
        </Section>
        <Section id="paths" title="Path lengths" className="area-paths">
          <PathPanel />
          <SharePanel />
        </Section>
        <Section id="hyper" title="Hyperparameters" className="area-hyper">
          <HyperForm />
        </Section>
        <div className="area-training">
          <TrainingPanel />
        </div>
        <Section id="runs" title="Runs" className="area-runs">
          <RunsPanel />
          <ExportPanel />
        </Section>
        <Section id="charts" title="Charts" className="area-charts">
          <TrainingCharts />
        </Section>
        <Section id="insights" title="What the network learned" className="area-insights">
          <InsightsPanel />
        </Section>
        <div className="area-data">
          <DatasetPanel />
        </div>
        <div className="area-device">
          <DeviceCheckPanel />
        </div>
      </main>
    </div>
  );
}
