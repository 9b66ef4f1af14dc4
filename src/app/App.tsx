import { Header } from '../ui/shell/Header';
import { DeviceCheckPanel } from '../ui/shell/DeviceCheckPanel';

export function App() {
  return (
    <div className="app">
      <Header />
      <main className="app-main">
        <DeviceCheckPanel />
      </main>
    </div>
  );
}
