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

/** Written to disk (and deleted) beyond the write itself by a probe: see `probeDisk`. */
export const PROBE_MARGIN_BYTES = 16 * 1024 * 1024;
const PROBE_FILE = '.dmrnet-space-probe';
const PROBE_CHUNK = 1024 * 1024;

/**
 * Whether the disk has room for `bytes` now, found by writing that many bytes to a file in the
 * origin's private file system and deleting it. Chromium's quota says nothing of a disk that
 * is full (it reported 1 GiB free on a full 256 MB disk), and a failed IndexedDB write there
 * can take the database with it, so a write that matters is tried on a scratch file first.
 * Null when it cannot be tried here (no OPFS sync access: the page, Node).
 */
export async function probeDisk(bytes: number): Promise<boolean | null> {
  type SyncHandle = {
    write(buffer: Uint8Array, options?: { at: number }): number;
    flush(): void;
    close(): void;
  };
  type ProbeFile = FileSystemFileHandle & { createSyncAccessHandle?: () => Promise<SyncHandle> };
  const storage = (globalThis.navigator as { storage?: StorageManager } | undefined)?.storage;
  if (!storage?.getDirectory) return null;
  let root: FileSystemDirectoryHandle;
  let file: ProbeFile;
  try {
    root = await storage.getDirectory();
    file = (await root.getFileHandle(PROBE_FILE, { create: true })) as ProbeFile;
  } catch {
    return null;
  }
  if (!file.createSyncAccessHandle) return null;
  let handle: SyncHandle | null = null;
  try {
    handle = await file.createSyncAccessHandle();
    const chunk = new Uint8Array(PROBE_CHUNK);
    for (let at = 0; at < bytes; at += PROBE_CHUNK) {
      const part = Math.min(PROBE_CHUNK, bytes - at);
      const written = handle.write(part === PROBE_CHUNK ? chunk : chunk.subarray(0, part), { at });
      if (written < part) return false;
    }
    handle.flush();
    return true;
  } catch {
    return false;
  } finally {
    try {
      handle?.close();
      await root.removeEntry(PROBE_FILE);
    } catch {
      // Left behind, it is overwritten by the next probe.
    }
  }
}

/**
 * Resolves with why `bytes` would not fit now, or null: the browser's estimate first, then
 * (with `probe`, where it can run) a scratch write of the size and PROBE_MARGIN_BYTES.
 */
export async function checkSpace(
  bytes: number,
  what: string,
  options: { probe?: boolean } = {},
): Promise<string | null> {
  const estimate = await estimateSpace();
  const problem = spaceProblem(estimate, bytes, what);
  if (problem || !options.probe) return problem;
  if ((await probeDisk(bytes + PROBE_MARGIN_BYTES)) !== false) return null;
  return (
    `Not enough disk space for ${what}: it needs ${formatMegabytes(bytes)} plus ` +
    `${formatMegabytes(PROBE_MARGIN_BYTES)} kept free, and the disk has less than that left ` +
    `(the browser would allow this site more, but the disk itself is full).`
  );
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
