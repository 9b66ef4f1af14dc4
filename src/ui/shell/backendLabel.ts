import type { BackendName, BackendReport } from '../../model/backend';

const DISPLAY: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', cpu: 'CPU' };

export function backendDisplayName(name: BackendName): string {
  return DISPLAY[name];
}

/**
 * The header badge's text: "WebGPU · swiftshader" on WebGPU, or the fallback and why the
 * first choice was refused, e.g. "CPU: WebGPU unavailable: no WebGPU adapter".
 */
export function backendBadgeText(report: BackendReport): string {
  if (report.backend === 'webgpu') {
    const a = report.adapter;
    const detail = a ? a.architecture || a.vendor || a.description : '';
    return detail ? `WebGPU · ${detail}` : 'WebGPU';
  }
  const first = report.refused[0];
  const name = backendDisplayName(report.backend);
  return first
    ? `${name}: ${backendDisplayName(first.backend)} unavailable: ${first.reason}`
    : name;
}
