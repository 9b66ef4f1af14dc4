/**
 * How many of a stage's blocks its list shows. A shared link can hold 5 stages of 200 blocks:
 * 1,000 rows of buttons cost the page about a second of rendering and layout (issue 19), in a
 * list that shows 8 rows at a time. Past LIST_CAP rows a stage lists its first LIST_CAP blocks,
 * and the selected block wherever it is (a keyboard move or a click in the drawing reaches it),
 * until the person asks for all of them. Every paper preset (at most 40 blocks a stage, ResNet
 * L = 120) opens with its first 24 listed.
 */
export const LIST_CAP = 24;

export function listedRows(
  blocks: number,
  selectedIndex: number | null,
  showAll: boolean,
  cap = LIST_CAP,
): number {
  if (showAll || blocks <= cap) return blocks;
  return Math.min(blocks, Math.max(cap, (selectedIndex ?? -1) + 1));
}
