/**
 * Storage space: whether a write of a given size fits before it is made, and messages that say
 * what happened when a write failed. Chromium drops a whole database after some failed writes on
 * a full disk, so the app checks first instead of finding out by failing.
 *
 * No DOM types: used by the training worker, the import worker and the page.
 */

export interface SpaceEstimate {
  usage?: number;
  quota?: number;
}

/** Kept free beyond each write: IndexedDB's own overhead (journals, compaction) needs room. */
export const SPACE_MARGIN_BYTES = 32 * 1024 * 1024;

const MB = 1024 * 1024;

/** "12.3 MB" (decimal enough for a person; one decimal under 100 MB). */
export function formatMegabytes(bytes: number): string {
  const mb = bytes / MB;
  return `${mb < 100 ? mb.toFixed(1) : Math.round(mb).toLocaleString('en-US')} MB`;
}

/**
 * Why writing `bytes` more would not fit, or null when it fits with SPACE_MARGIN_BYTES to
 * spare (or when the browser says nothing about its quota).
 */
export function spaceProblem(estimate: SpaceEstimate, bytes: number, what: string): string | null {
  const { usage, quota } = estimate;
  if (usage === undefined || quota === undefined || !(quota > 0)) return null;
  const available = Math.max(0, quota - usage);
  if (bytes + SPACE_MARGIN_BYTES <= available) return null;
  return (
    `Not enough storage space for ${what}: it needs ${formatMegabytes(bytes)} plus ` +
    `${formatMegabytes(SPACE_MARGIN_BYTES)} kept free, and ${formatMegabytes(available)} is ` +
    `available (this site stores ${formatMegabytes(usage)}; the browser allows it ` +
    `${formatMegabytes(quota)}, limited by the free disk space).`
  );
}

/** The browser's estimate, or an empty one where there is none. */
export async function estimateSpace(): Promise<SpaceEstimate> {
  try {
    const storage = (globalThis.navigator as { storage?: StorageManager } | undefined)?.storage;
    return storage?.estimate ? await storage.estimate() : {};
  } catch {
    return {};
  }
}

/** Resolves with why `bytes` would not fit now, or null. */
export async function checkSpace(bytes: number, what: string): Promise<string | null> {
  return spaceProblem(await estimateSpace(), bytes, what);
}

function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error
    ? String((error as { name: unknown }).name)
    : '';
}

/** A failed write because storage ran out (quota, or a full disk under the quota). */
export function isOutOfSpace(error: unknown): boolean {
  const name = errorName(error);
  const message = error instanceof Error ? error.message : String(error);
  // Chromium on a full disk: "UnknownError: Failed to write blobs (IOError)" and the like.
  return (
    name === 'QuotaExceededError' ||
    (name === 'UnknownError' && /IOError|write|disk|space|quota/i.test(message))
  );
}

/**
 * What a failed write of `what` means for a person. A quota error with room left under the
 * quota means the disk itself is full: the quota is a share of the disk, not a reservation.
 */
export function describeWriteFailure(
  error: unknown,
  what: string,
  estimate: SpaceEstimate,
): string {
  const { usage, quota } = estimate;
  if (isOutOfSpace(error)) {
    const room =
      usage !== undefined && quota !== undefined
        ? quota - usage > SPACE_MARGIN_BYTES
          ? ` The disk is full: this site stores ${formatMegabytes(usage)} and may use up to ${formatMegabytes(quota)}, but the device has no room left for it.`
          : ` This site stores ${formatMegabytes(usage)} of the ${formatMegabytes(quota)} the browser allows it.`
        : '';
    return `Storage ran out while writing ${what}.${room} Free disk space or delete a dataset or run.`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `The browser could not write ${what} (${errorName(error) || 'error'}: ${message}).`;
}
