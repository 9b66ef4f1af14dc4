import { describe, expect, it } from 'vitest';
import type { BackendReport } from '../protocol/training';
import { isSoftwareAdapter, onQuietMoment, runQuietMoment } from './quietMoments';

function report(backend: BackendReport['backend'], description: string): BackendReport {
  return {
    backend,
    adapter:
      backend === 'webgpu'
        ? {
            vendor: 'google',
            architecture: description,
            description: '',
            device: '',
            limits: {} as NonNullable<BackendReport['adapter']>['limits'],
          }
        : null,
    refused: [],
    tfjsVersion: '4',
  };
}

describe('isSoftwareAdapter', () => {
  it('is true for SwiftShader and other CPU adapters on WebGPU only', () => {
    expect(isSoftwareAdapter(report('webgpu', 'swiftshader'))).toBe(true);
    expect(isSoftwareAdapter(report('webgpu', 'llvmpipe'))).toBe(true);
    expect(isSoftwareAdapter(report('webgpu', 'ampere'))).toBe(false);
    expect(isSoftwareAdapter(report('cpu', 'swiftshader'))).toBe(false);
    expect(isSoftwareAdapter(null)).toBe(false);
  });
});

describe('runQuietMoment', () => {
  it('redraws the charts with news in their order, two frames apart, and skips the others', async () => {
    const log: string[] = [];
    const offs = [
      onQuietMoment(() => (log.push('b'), true), 120),
      onQuietMoment(() => (log.push('a'), true), 0),
      onQuietMoment(() => (log.push('c: nothing new'), false), 240),
      onQuietMoment(() => (log.push('d'), true), 360),
    ];
    await runQuietMoment(async () => void log.push('frame'));
    offs.forEach((off) => off());
    expect(log).toEqual([
      'a',
      'frame',
      'frame',
      'b',
      'frame',
      'frame',
      'c: nothing new',
      'd',
      'frame',
      'frame',
    ]);
  });

  it('does nothing once a chart has unregistered', async () => {
    const log: string[] = [];
    const off = onQuietMoment(() => (log.push('x'), true), 0);
    off();
    await runQuietMoment(async () => void log.push('frame'));
    expect(log).toEqual([]);
  });
});
