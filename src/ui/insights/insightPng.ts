/**
 * A PNG of one test pass: the heat map with its counts and the prediction grid with true and
 * predicted classes (wrong ones framed red), drawn on a canvas in the browser.
 */
import { rowSums } from '../../model/insights';
import type { InsightGrid } from '../../model/run';
import { byClass, cellColor, gridPixels, toImageData } from './drawing';

export interface InsightPicture {
  title: string;
  confusion: Uint32Array;
  grid: InsightGrid;
  predictions: Uint16Array;
}

const FONT = 'system-ui, sans-serif';

export async function insightPngBlob(picture: InsightPicture, scale = 2): Promise<Blob | null> {
  const { confusion, grid, predictions, title } = picture;
  const names = grid.classNames;
  const n = names.length;
  const cell = n <= 20 ? 28 : 7;
  const labelW = n <= 20 ? 90 : 0;
  const matrixTop = 40 + (n <= 20 ? 70 : 0);
  const matrixW = labelW + n * cell;
  const thumb = 48;
  const cols = Math.max(1, Math.min(10, Math.ceil(Math.sqrt(grid.labels.length * 2))));
  const rows = Math.ceil(grid.labels.length / cols);
  const tile = { w: thumb + 40, h: thumb + 30 };
  const gridLeft = matrixW + 40;
  const width = gridLeft + cols * tile.w + 20;
  const height = Math.max(matrixTop + n * cell + 20, 40 + rows * tile.h + 20);

  const canvas = document.createElement('canvas');
  canvas.width = width * scale;
  canvas.height = height * scale;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.scale(scale, scale);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#111827';
  ctx.font = `bold 14px ${FONT}`;
  ctx.fillText(title, 10, 22);

  const sums = rowSums(confusion, n);
  ctx.font = `11px ${FONT}`;
  for (let t = 0; t < n; t++) {
    if (labelW > 0) {
      ctx.fillStyle = '#111827';
      ctx.textAlign = 'right';
      ctx.fillText(names[t]!, labelW - 6, matrixTop + t * cell + cell / 2 + 4);
      ctx.save();
      ctx.translate(labelW + t * cell + cell / 2 + 4, matrixTop - 6);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'left';
      ctx.fillText(names[t]!, 0, 0);
      ctx.restore();
    }
    for (let p = 0; p < n; p++) {
      const count = confusion[t * n + p]!;
      const x = labelW + p * cell;
      const y = matrixTop + t * cell;
      ctx.fillStyle = cellColor(sums[t]! > 0 ? count / sums[t]! : 0, t === p);
      ctx.fillRect(x, y, cell, cell);
      if (n <= 20 && count > 0) {
        ctx.fillStyle = '#111827';
        ctx.textAlign = 'center';
        ctx.fillText(String(count), x + cell / 2, y + cell / 2 + 4);
      }
    }
  }
  ctx.strokeStyle = '#9ca3af';
  ctx.strokeRect(labelW, matrixTop, n * cell, n * cell);

  const image = document.createElement('canvas');
  image.width = grid.width;
  image.height = grid.height;
  const imageCtx = image.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.textAlign = 'center';
  byClass(grid).forEach((k, slot) => {
    const t = grid.labels[k]!;
    const p = predictions[k]!;
    const x = gridLeft + (slot % cols) * tile.w;
    const y = 40 + Math.floor(slot / cols) * tile.h;
    if (imageCtx) {
      imageCtx.putImageData(
        toImageData(gridPixels(grid, k), grid.height, grid.width, grid.channels),
        0,
        0,
      );
      ctx.drawImage(image, x + tile.w / 2 - thumb / 2, y, thumb, thumb);
    }
    if (p !== t) {
      ctx.strokeStyle = '#dc2626';
      ctx.lineWidth = 3;
      ctx.strokeRect(x + tile.w / 2 - thumb / 2, y, thumb, thumb);
    }
    ctx.fillStyle = '#111827';
    ctx.font = `10px ${FONT}`;
    ctx.fillText(names[t]!, x + tile.w / 2, y + thumb + 11);
    ctx.fillStyle = p === t ? '#15803d' : '#dc2626';
    ctx.fillText(`${p === t ? '✓' : '✗'} ${names[p]}`, x + tile.w / 2, y + thumb + 23);
  });
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
}
