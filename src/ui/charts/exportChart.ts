/** Saves a rendered chart as SVG or PNG, and text (CSV) as a file, in the browser. */

export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const TITLE_HEIGHT = 28;
const LEGEND_ROW = 18;

/** A legend entry as an exported chart draws it. */
export interface ExportLegendEntry {
  label: string;
  color: string;
  dashed?: boolean;
}

/** The legend shown with a chart: our HTML legend list, else recharts' own legend. */
export function legendFromDom(figure: Element): ExportLegendEntry[] {
  const ours = [...figure.querySelectorAll('.chart-legend-item')].map((li) => {
    const mark = li.querySelector('line, circle');
    return {
      label: li.textContent?.trim() ?? '',
      color: mark?.getAttribute('stroke') ?? mark?.getAttribute('fill') ?? '#444',
      dashed: !!mark?.getAttribute('stroke-dasharray'),
    };
  });
  if (ours.length > 0) return ours;
  return [...figure.querySelectorAll('.recharts-legend-item')].map((li) => {
    const mark = li.querySelector('path, line, rect');
    const stroke = mark?.getAttribute('stroke');
    return {
      label: li.querySelector('.recharts-legend-item-text')?.textContent?.trim() ?? '',
      color: (stroke && stroke !== 'none' ? stroke : mark?.getAttribute('fill')) ?? '#444',
    };
  });
}

/** Legend rows: entries laid left to right, wrapped at `width` (text measured roughly). */
function legendRows(entries: readonly ExportLegendEntry[], width: number): ExportLegendEntry[][] {
  const rows: ExportLegendEntry[][] = [];
  let row: ExportLegendEntry[] = [];
  let used = 0;
  for (const e of entries) {
    const w = 30 + 7 * e.label.length;
    if (row.length > 0 && used + w > width) {
      rows.push(row);
      row = [];
      used = 0;
    }
    row.push(e);
    used += w;
  }
  if (row.length > 0) rows.push(row);
  return rows;
}

/**
 * A standalone SVG document of the chart inside `container`, on a white background, with the
 * chart's title above and its legend below, so that a file handed out says what it shows. The
 * chart is the largest recharts surface in the container (not a legend icon); a chart drawn in
 * layers (XYChart: axes below, lines above, the same size) becomes one SVG, the layers in
 * document order.
 */
export function chartSvg(
  container: HTMLElement,
  title: string,
  legend: readonly ExportLegendEntry[] = [],
): { text: string; width: number; height: number } | null {
  const surfaces = [...container.querySelectorAll<SVGSVGElement>('svg.recharts-surface')].map(
    (svg) => ({ svg, box: svg.getBoundingClientRect() }),
  );
  if (surfaces.length === 0) return null;
  const base = surfaces.reduce((a, b) =>
    b.box.width * b.box.height > a.box.width * a.box.height ? b : a,
  );
  const width = Math.round(base.box.width);
  const chartHeight = Math.round(base.box.height);
  if (width < 1 || chartHeight < 1) return null;
  const layers = surfaces.filter(
    (s) =>
      Math.abs(s.box.width - base.box.width) < 1 &&
      Math.abs(s.box.height - base.box.height) < 1 &&
      Math.abs(s.box.top - base.box.top) < 1,
  );
  const rows = legendRows(legend, width - 16);
  const height = TITLE_HEIGHT + chartHeight + rows.length * LEGEND_ROW + (rows.length ? 8 : 0);
  const out = document.createElementNS(SVG_NS, 'svg');
  out.setAttribute('xmlns', SVG_NS);
  out.setAttribute('width', String(width));
  out.setAttribute('height', String(height));
  out.setAttribute('viewBox', `0 0 ${width} ${height}`);
  // Text takes the page's font unless told otherwise.
  out.setAttribute('font-family', 'system-ui, sans-serif');
  out.setAttribute('font-size', '12');
  const bg = document.createElementNS(SVG_NS, 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', '#ffffff');
  out.append(bg);
  const heading = document.createElementNS(SVG_NS, 'text');
  heading.setAttribute('x', '8');
  heading.setAttribute('y', '19');
  heading.setAttribute('font-size', '15');
  heading.setAttribute('font-weight', '700');
  heading.setAttribute('fill', '#222');
  heading.textContent = title;
  out.append(heading);
  const chart = document.createElementNS(SVG_NS, 'g');
  chart.setAttribute('transform', `translate(0 ${TITLE_HEIGHT})`);
  for (const { svg } of layers) {
    const group = document.createElementNS(SVG_NS, 'g');
    for (const child of svg.childNodes) group.append(child.cloneNode(true));
    chart.append(group);
  }
  out.append(chart);
  rows.forEach((row, r) => {
    let x = 8;
    const y = TITLE_HEIGHT + chartHeight + 8 + r * LEGEND_ROW + 9;
    for (const e of row) {
      const line = document.createElementNS(SVG_NS, 'line');
      line.setAttribute('x1', String(x));
      line.setAttribute('x2', String(x + 18));
      line.setAttribute('y1', String(y - 4));
      line.setAttribute('y2', String(y - 4));
      line.setAttribute('stroke', e.color);
      line.setAttribute('stroke-width', '3');
      if (e.dashed) line.setAttribute('stroke-dasharray', '4 3');
      out.append(line);
      const label = document.createElementNS(SVG_NS, 'text');
      label.setAttribute('x', String(x + 24));
      label.setAttribute('y', String(y));
      label.setAttribute('fill', '#222');
      label.textContent = e.label;
      out.append(label);
      x += 30 + 7 * e.label.length;
    }
  });
  return { text: new XMLSerializer().serializeToString(out), width, height };
}

export async function chartPngBlob(
  container: HTMLElement,
  title: string,
  legend: readonly ExportLegendEntry[] = [],
  scale = 2,
): Promise<Blob | null> {
  const svg = chartSvg(container, title, legend);
  if (!svg) return null;
  const url = URL.createObjectURL(new Blob([svg.text], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(svg.width * scale);
    canvas.height = Math.round(svg.height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) return null;
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, svg.width, svg.height);
    return await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
