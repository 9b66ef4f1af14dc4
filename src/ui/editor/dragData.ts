/** What a drag carries: a palette entry or a block of the network (pure, tested). */

export const DRAG_TYPE = 'application/x-dmrnet-block';

export type DragPayload =
  { from: 'palette'; item: number } | { from: 'block'; stage: number; index: number };

export function encodeDrag(p: DragPayload): string {
  return p.from === 'palette' ? `palette:${p.item}` : `block:${p.stage}:${p.index}`;
}

export function decodeDrag(text: string): DragPayload | null {
  const palette = /^palette:(\d{1,3})$/.exec(text);
  if (palette) return { from: 'palette', item: Number(palette[1]) };
  const block = /^block:(\d{1,2}):(\d{1,4})$/.exec(text);
  if (block) return { from: 'block', stage: Number(block[1]), index: Number(block[2]) };
  return null;
}

/** The insertion index for a drop on item `index`: before it in its upper half, after below. */
export function dropIndex(index: number, offsetY: number, height: number): number {
  return offsetY < height / 2 ? index : index + 1;
}
