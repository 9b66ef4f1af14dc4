import { useState } from 'react';
import { useAppStore } from '../../state/store';
import { runDeviceCheck, workerMemoryText } from '../../state/workerActions';
import { backendDisplayName } from './backendLabel';
import { KernelChoicesPanel } from './KernelChoicesPanel';

/** This device's measured speed, as the estimates beside Start use it. */
function DeviceSpeed() {
  const cost = useAppStore((s) => s.worker.cost);
  if (cost.state !== 'known') {
    return (
      <p data-testid="device-speed">
        {cost.state === 'measuring' ? 'Measuring this device…' : cost.message}
      </p>
    );
  }
  const c = cost.calibration;
  const m = cost.measured;
  const gmacs = 1 / c.secondsPerMultiplyAdd / 1e9;
  return (
    <p data-testid="device-speed">
      Training speed {gmacs.toFixed(2)} G multiply-adds/s (forward and backward) plus{' '}
      {(c.secondsPerLayer * 1000).toFixed(0)} ms per conv layer and step; before the first step,
      loading {c.loadSeconds.toFixed(1)} s, kernel preparation {c.secondsPerShape.toFixed(2)} s per
      conv shape and {(c.firstStepSecondsPerLayer * 1000).toFixed(0)} ms per conv layer;{' '}
      {cost.stored ? 'kept from an earlier visit on this adapter, ' : ''}
      {c.source === 'calibration'
        ? 'from the start-up measurement'
        : `refined by ${c.samples - 1} measured steps of your runs`}
      {` (start-up: a tiny network at batch ${m.batch}: kernels ${m.prepareSeconds.toFixed(2)} s, first step ${m.firstStepSeconds.toFixed(2)} s, then ${m.secondsPerStep.toFixed(2)} s a step, ${m.small.secondsPerStep.toFixed(2)} s at batch ${m.small.batch}).`}
    </p>
  );
}

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
      <DeviceSpeed />
      <MemoryCheck disabled={status !== 'ready'} />
      <KernelChoicesPanel />
    </section>
  );
}

/** tf.memory() in the worker: the tensor count must stay flat while training. */
function MemoryCheck({ disabled }: { disabled: boolean }) {
  const [text, setText] = useState('');
  const check = async () => setText(await workerMemoryText());
  return (
    <p className="training-memory">
      <button type="button" disabled={disabled} onClick={() => void check()}>
        Count tensors
      </button>{' '}
      <span data-testid="tensor-count">{text}</span>
    </p>
  );
}
