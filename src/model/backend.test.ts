import { describe, expect, it } from 'vitest';
import { isSoftwareAdapterSummary } from './backend';

const adapter = (vendor: string, architecture: string, description = '') => ({
  vendor,
  architecture,
  description,
  device: '',
});

describe('isSoftwareAdapterSummary', () => {
  it('names the software rasterisers as such', () => {
    expect(isSoftwareAdapterSummary(adapter('google', 'swiftshader'))).toBe(true);
    expect(isSoftwareAdapterSummary(adapter('mesa', '', 'llvmpipe (LLVM 15.0.6, 256 bits)'))).toBe(
      true,
    );
    expect(
      isSoftwareAdapterSummary(adapter('microsoft', '', 'Microsoft Basic Render Driver')),
    ).toBe(true);
  });

  it('does not take a hardware GPU, or no adapter, for one', () => {
    expect(isSoftwareAdapterSummary(adapter('nvidia', 'ampere'))).toBe(false);
    expect(isSoftwareAdapterSummary(adapter('intel', 'gen-12lp'))).toBe(false);
    expect(isSoftwareAdapterSummary(null)).toBe(false);
  });
});
