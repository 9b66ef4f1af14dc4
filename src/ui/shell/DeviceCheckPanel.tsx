import { useAppStore } from '../../state/store';
import { runDeviceCheck } from '../../state/workerActions';
import { backendDisplayName } from './backendLabel';

/** Shows what the worker found (adapter, limits, refused backends) and runs a real check. */
export function DeviceCheckPanel() {
  const { status, report, deviceCheck } = useAppStore((s) => s.worker);
  return (
    <section className="panel" aria-labelledby="device-heading">
      <h2 id="device-heading">Device</h2>
      {report && (
        <dl className="facts">
          <dt>Backend</dt>
          <dd data-testid="backend-name">{backendDisplayName(report.backend)}</dd>
          {report.adapter && (
            <>
              <dt>Adapter</dt>
              <dd data-testid="adapter">
                {[report.adapter.vendor, report.adapter.architecture, report.adapter.description]
                  .filter(Boolean)
                  .join(' · ')}
              </dd>
              <dt>Largest buffer</dt>
              <dd>{(report.adapter.limits.maxBufferSize / 2 ** 20).toFixed(0)} MiB</dd>
              <dt>Largest storage binding</dt>
              <dd>
                {(report.adapter.limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB
              </dd>
              <dt>Workgroup memory</dt>
              <dd>{report.adapter.limits.maxComputeWorkgroupStorageSize / 1024} KiB</dd>
            </>
          )}
          {report.refused.map((r) => (
            <div key={r.backend} className="refused">
              <dt>{backendDisplayName(r.backend)} refused</dt>
              <dd data-testid={`refused-${r.backend}`}>{r.reason}</dd>
            </div>
          ))}
          <dt>tfjs</dt>
          <dd>{report.tfjsVersion}</dd>
        </dl>
      )}
      <button
        type="button"
        onClick={() => void runDeviceCheck()}
        disabled={status !== 'ready' || deviceCheck.state === 'running'}
      >
        {deviceCheck.state === 'running' ? 'Checking…' : 'Run device check'}
      </button>
      <p role="status" data-testid="device-check">
        {deviceCheck.state === 'done' &&
          `Conv ${deviceCheck.result.inputShape.join('×')} * ${deviceCheck.result.filterShape.join('×')} on ${backendDisplayName(deviceCheck.result.backend)}: ${deviceCheck.result.milliseconds.toFixed(1)} ms (max difference vs CPU ${deviceCheck.result.maxAbsDiffVsCpu.toExponential(1)})`}
        {deviceCheck.state === 'failed' && `Device check failed: ${deviceCheck.message}`}
      </p>
    </section>
  );
}
