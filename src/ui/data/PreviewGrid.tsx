import { useEffect, useRef } from 'react';
import type { Preview } from '../../state/datasetSlice';

const SIZE = 32;

/** One 32x32 image drawn at 2x, pixel-sharp, from NHWC RGB bytes. */
function PreviewImage({ pixels, label }: { pixels: Uint8Array; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const context = canvas?.getContext('2d');
    if (!context) return;
    const image = context.createImageData(SIZE, SIZE);
    for (let i = 0; i < SIZE * SIZE; i++) {
      image.data[i * 4] = pixels[i * 3]!;
      image.data[i * 4 + 1] = pixels[i * 3 + 1]!;
      image.data[i * 4 + 2] = pixels[i * 3 + 2]!;
      image.data[i * 4 + 3] = 255;
    }
    context.putImageData(image, 0, 0);
  }, [pixels]);
  return (
    <figure className="preview-cell">
      <canvas ref={ref} width={SIZE} height={SIZE} role="img" aria-label={label} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

export function PreviewGrid({ preview }: { preview: Preview }) {
  const bytes = SIZE * SIZE * 3;
  return (
    <div
      className="preview-grid"
      role="group"
      aria-label={`Preview of ${preview.name} (${preview.split})`}
      data-testid="dataset-preview"
    >
      {preview.labels.map((label, i) => (
        <PreviewImage
          key={i}
          pixels={preview.pixels.subarray(i * bytes, (i + 1) * bytes)}
          label={label}
        />
      ))}
    </div>
  );
}
