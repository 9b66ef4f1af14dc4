import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { ChartLegend } from './ChartLegend';

describe('ChartLegend', () => {
  it('lists each entry with its colour, a dashed line for a dashed series, a dot for a scatter', () => {
    const html = renderToStaticMarkup(
      <ChartLegend
        label="Train and test error: legend"
        entries={[
          { id: 'a', label: 'DMRNet · train', color: '#1d4e89' },
          { id: 'b', label: 'DMRNet · test', color: '#1d4e89', dashed: true },
          { id: 'c', label: 'ResNet-like', color: '#c0392b', mark: 'dot' },
        ]}
      />,
    );
    expect(html).toContain('aria-label="Train and test error: legend"');
    expect(html.match(/<li /g)).toHaveLength(3);
    expect(html).toContain('DMRNet · train');
    expect(html).toMatch(/<line[^>]*stroke="#1d4e89"[^>]*stroke-dasharray="4 3"/);
    expect(html).toMatch(/<circle[^>]*fill="#c0392b"/);
    // The solid line has no dash pattern.
    expect(html.match(/stroke-dasharray/g)).toHaveLength(1);
  });

  it('renders nothing without entries', () => {
    expect(renderToStaticMarkup(<ChartLegend label="x" entries={[]} />)).toBe('');
  });
});
