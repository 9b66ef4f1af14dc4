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

/**
 * A standalone SVG document of the chart inside `container`, on a white background. A chart
 * drawn in layers (XYChart: axes below, lines above, the same size) becomes one SVG, the
 * layers in document order.
 */
export function chartSvgText(container: HTMLElement): string | null {
  const [svg, ...layers] = container.querySelectorAll<SVGSVGElement>('svg.recharts-surface');
  if (!svg) return null;
  const clone = svg.cloneNode(true) as SVGSVGElement;
  for (const layer of layers) {
    const group = document.createElementNS('http://www.w3.org/2000/svg', 'g');
    for (const child of layer.childNodes) group.append(child.cloneNode(true));
    clone.append(group);
  }
  const { width, height } = svg.getBoundingClientRect();
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(Math.round(width)));
  clone.setAttribute('height', String(Math.round(height)));
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', '#ffffff');
  clone.insertBefore(bg, clone.firstChild);
  // Text takes the page's font unless told otherwise.
  clone.setAttribute('font-family', 'system-ui, sans-serif');
  clone.setAttribute('font-size', '12');
  return new XMLSerializer().serializeToString(clone);
}

export async function chartPngBlob(container: HTMLElement, scale = 2): Promise<Blob | null> {
  const text = chartSvgText(container);
  const svg = container.querySelector('svg.recharts-surface');
  if (!text || !svg) return null;
  const { width, height } = svg.getBoundingClientRect();
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) return null;
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, width, height);
    return await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
