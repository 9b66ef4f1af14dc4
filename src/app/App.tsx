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
import { Drawers } from '../ui/shell/Drawers';
import { Explainer } from '../ui/learn/Explainer';

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
        <Drawers
          label="Details"
          drawers={[
            { id: 'learn', label: 'What am I looking at?', content: <Explainer /> },
            { id: 'data', label: 'Datasets', content: <DatasetPanel /> },
            {
              id: 'export',
              label: 'Export',
              content: (
                <Section id="export" title="Export" className="export-drawer">
                  <ExportPanel />
                </Section>
              ),
            },
            { id: 'device', label: 'Device', content: <DeviceCheckPanel /> },
          ]}
        />
        {/* The first screen, as TensorFlow Playground's: the network's controls and counts,
            Start and the live curves, the drawing; details one click away below. */}
        <div className="first-screen">
          <Section id="network" title="Network" className="area-controls">
            <PresetControls />
            <CurrentStats />
          </Section>
          <div className="area-training">
            <TrainingPanel />
            <TrainingCharts set="live" />
          </div>
          <Section id="drawing" title="Drawing (Figure 2)" className="area-graph">
            <GraphPanel />
          </Section>
        </div>
        <div className="details">
          <Section id="hyper" title="Hyperparameters" className="area-hyper">
            <HyperForm />
          </Section>
          <Section id="editor" title="Build your own (block palette)" className="area-editor">
            <NetworkEditor />
          </Section>
          <Section id="paths" title="Path lengths" className="area-paths">
            <PathPanel />
            <SharePanel />
          </Section>
          <Section id="runs" title="Runs" className="area-runs">
            <RunsPanel />
          </Section>
          <Section id="charts" title="More charts" className="area-charts">
            <TrainingCharts set="more" />
          </Section>
          <Section id="insights" title="What the network learned" className="area-insights">
            <InsightsPanel />
          </Section>
        </div>
      </main>
    </div>
  );
}
