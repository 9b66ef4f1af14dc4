import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { tinyClassroom } from '../../model/presets';
import { alternatingHugeSpec } from '../../model/testing/hugeSpec';
import { NetworkGraph } from './NetworkGraph';
import { layoutNetwork } from './graphLayout';

/** The `d` of every conv-layer path, and every closed subpath (one per layer) in them. */
function convShapes(html: string) {
  const paths = [...html.matchAll(/<path d="([^"]*)" class="(g-conv[^"]*)"/g)];
  const layers = paths.flatMap((m) =>
    (m[1]!.match(/M[^Z]*Z/g) ?? []).map((d) => ({ d, down: m[2]!.includes('g-conv--down') })),
  );
  return { paths: paths.length, layers };
}

describe('NetworkGraph', () => {
  it('draws every conv layer of the layout, a block’s layers as one path', () => {
    const spec = tinyClassroom();
    const layout = layoutNetwork(spec, new Set());
    const html = renderToStaticMarkup(<NetworkGraph spec={spec} expanded={[]} />);
    const { paths, layers } = convShapes(html);
    const convs = layout.items.filter((i) => i.type === 'conv');
    expect(layers).toHaveLength(convs.length);
    // Downsampling layers keep their own class (the trapezoids of Figure 2).
    expect(layers.filter((l) => l.down)).toHaveLength(convs.filter((c) => c.down).length);
    expect(paths).toBeLessThan(convs.length);
    // Wires stay one path each; nodes and boxes keep their titles.
    const wires = layout.items.filter((i) => i.type === 'wire').length;
    expect(html.match(/class="g-wire /g)).toHaveLength(wires);
    expect(html).toContain('<title>Input image</title>');
  });

  it('draws the 1,000-block link of issue 19 in under 800 elements', () => {
    const spec = alternatingHugeSpec();
    const layout = layoutNetwork(spec, new Set());
    const html = renderToStaticMarkup(<NetworkGraph spec={spec} expanded={[]} />);
    const elements = (html.match(/<[a-z]+[ >]/g) ?? []).length;
    const { layers } = convShapes(html);
    expect(layers).toHaveLength(layout.items.filter((i) => i.type === 'conv').length);
    // 348 wires, 60 nodes and 15 click targets stay; the 640 layers and their titles (1,280
    // elements) are 16 paths: 737 elements, 1,945 before.
    expect(elements).toBeLessThan(800);
    expect(html.match(/data-testid="summary-run"/g)).toHaveLength(5);
  });
});
