import { Header } from '../ui/shell/Header';
import { DeviceCheckPanel } from '../ui/shell/DeviceCheckPanel';
import { TrainingPanel } from '../ui/train/TrainingPanel';

export function App() {
  return (
    <div className="app">
      <Header />
      <main className="app-main">
        <DeviceCheckPanel />
        <TrainingPanel />
      </main>
    </div>
  );
}
