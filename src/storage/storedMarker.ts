/**
 * A small record of what the app has stored, kept apart from IndexedDB (in localStorage): when
 * the browser drops a database (a full disk, storage pressure, "clear site data" of IndexedDB
 * only), the marker still names what was there, so the app can say it is gone instead of
 * silently starting afresh. Each tab rewrites it after every change it makes.
 */

/** The subset of Web Storage used (localStorage in the page; a map in tests). */
export interface MarkerStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export const MARKER_KEYS = {
  datasets: 'dmrnet-stored-datasets',
  runs: 'dmrnet-stored-runs',
} as const;
export type MarkerKind = keyof typeof MARKER_KEYS;

function read(storage: MarkerStorage, kind: MarkerKind): string[] {
  try {
    const value: unknown = JSON.parse(storage.getItem(MARKER_KEYS[kind]) ?? '[]');
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

/** Records what is stored now (names of datasets, ids of runs). */
export function writeMarker(storage: MarkerStorage, kind: MarkerKind, present: string[]): void {
  try {
    storage.setItem(MARKER_KEYS[kind], JSON.stringify([...present].sort()));
  } catch {
    // Web Storage full or disabled: the marker is a courtesy, the app works without it.
  }
}

/** What the marker says was stored and is not any more. */
export function missingSinceMarker(
  storage: MarkerStorage,
  kind: MarkerKind,
  present: string[],
): string[] {
  const now = new Set(present);
  return read(storage, kind).filter((name) => !now.has(name));
}

/** The message for a person when stored data vanished (null when nothing did). */
export function lostDataMessage(datasets: string[], runs: number): string | null {
  if (datasets.length === 0 && runs === 0) return null;
  const parts: string[] = [];
  if (datasets.length > 0) {
    const names = datasets.map((n) => `“${n}”`).join(', ');
    parts.push(`${datasets.length === 1 ? 'the dataset' : 'the datasets'} ${names}`);
  }
  if (runs > 0) parts.push(runs === 1 ? 'one training run' : `${runs} training runs`);
  return (
    `Data this site stored earlier is gone: ${parts.join(' and ')}. The browser removed it, ` +
    `usually because the disk was full or the site's data was cleared. Import the data again; ` +
    `asking the browser for persistent storage (see Storage below) makes this less likely.`
  );
}
