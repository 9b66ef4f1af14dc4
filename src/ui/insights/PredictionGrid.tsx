import { memo, useEffect, useMemo, useRef } from 'react';
import type { InsightGrid } from '../../model/run';
import { byClass, gridPixels, toImageData } from './drawing';

/** One test image, drawn pixel-sharp from its NHWC bytes (drawn once: the pixels never change). */
const GridImage = memo(function GridImage({
  pixels,
  height,
  width,
  channels,
  label,
}: {
  pixels: Uint8Array;
  height: number;
  width: number;
  channels: number;
  label: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.putImageData(toImageData(pixels, height, width, channels), 0, 0);
  }, [pixels, height, width, channels]);
  return <canvas ref={ref} width={width} height={height} role="img" aria-label={label} />;
});

export interface PredictionGridProps {
  grid: InsightGrid;
  predictions: Uint16Array;
  label: string;
  /** Smaller captions (the classroom slide shows several grids). */
  compact?: boolean;
}

/** The fixed test images with their true and predicted classes; wrong ones marked. */
export function PredictionGrid({ grid, predictions, label, compact }: PredictionGridProps) {
  const names = grid.classNames;
  const images = useMemo(() => Array.from(grid.labels, (_, k) => gridPixels(grid, k)), [grid]);
  const order = useMemo(() => byClass(grid), [grid]);
  let wrong = 0;
  predictions.forEach((p, k) => {
    if (p !== grid.labels[k]) wrong++;
  });
  return (
    <figure className={compact ? 'prediction-grid prediction-grid--compact' : 'prediction-grid'}>
      <figcaption>
        {label}: {predictions.length - wrong} of {predictions.length} right
      </figcaption>
      <ul aria-label={label} data-testid="prediction-grid">
        {order.map((k) => {
          const t = grid.labels[k]!;
          const p = predictions[k]!;
          const ok = p === t;
          return (
            <li
              key={grid.indices[k]}
              className={ok ? 'grid-cell' : 'grid-cell grid-cell--wrong'}
              data-testid="grid-cell"
              data-true={t}
              data-predicted={p}
              data-wrong={ok ? undefined : 'true'}
              title={`test image ${grid.indices[k]}: ${names[t]}, predicted ${names[p]}`}
            >
              <GridImage
                pixels={images[k]!}
                height={grid.height}
                width={grid.width}
                channels={grid.channels}
                label={`test image ${grid.indices[k]}, a ${names[t]}`}
              />
              <span className="grid-true">{names[t]}</span>
              <span className="grid-predicted">
                {ok ? '✓' : '✗'} {names[p]}
              </span>
            </li>
          );
        })}
      </ul>
    </figure>
  );
}
