import type { BackendName, BackendReport } from '../../model/backend';
import { isSoftwareAdapter } from '../../state/quietMoments';

const DISPLAY: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', cpu: 'CPU' };

export function backendDisplayName(name: BackendName): string {
  return DISPLAY[name];
}

/** The badge's one-line explanation of a software adapter. */
export const SOFTWARE_GPU_NOTE =
  'A CPU emulation of a GPU: training runs at CPU speed; small networks and batches learn first.';

/**
 * The header badge's text: "WebGPU · apple" on a GPU, "WebGPU · software GPU: CPU speed
 * (swiftshader)" on a software adapter, or the fallback and why the first choice was refused,
 * e.g. "CPU: WebGPU unavailable: no WebGPU adapter".
 */
export function backendBadgeText(report: BackendReport): string {
  if (report.backend === 'webgpu') {
    const a = report.adapter;
    const detail = a ? a.architecture || a.vendor || a.description : '';
    if (isSoftwareAdapter(report)) {
      return `WebGPU · software GPU: CPU speed${detail ? ` (${detail})` : ''}`;
    }
    return detail ? `WebGPU · ${detail}` : 'WebGPU';
  }
  const first = report.refused[0];
  const name = backendDisplayName(report.backend);
  return first
    ? `${name}: ${backendDisplayName(first.backend)} unavailable: ${first.reason}`
    : name;
}
