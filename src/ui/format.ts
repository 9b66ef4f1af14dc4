/**
 * Numbers for people, the same way in every panel: counts, sizes (binary units, labelled as
 * such), durations, percentages, losses and learning rates; and the learning rate a person
 * types. Pure, so they are tested apart from React.
 */

/** Shown where a number is not known (yet). */
const UNKNOWN = '—';

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 1,710,426 -> "1.71M"; 349,402 -> "349K". */
export function formatShort(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(0)}K`;
  return String(Math.round(n));
}

/** 512 -> "512 B"; 5.6 * 2^20 -> "5.6 MiB"; 184 * 2^20 -> "184 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${units[unit]}`;
}

/** Whole seconds, minutes, hours: 75 -> "1 min 15 s", 3725 -> "1 h 2 min". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return UNKNOWN;
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Like formatDuration, with tenths under 10 s (an import's progress): 2.34 -> "2.3 s". */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return UNKNOWN;
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  return formatDuration(seconds);
}

/** A fraction 0..1 as a percentage with `digits` decimals. */
export function formatPercent(fraction: number | null, digits = 1): string {
  if (fraction === null || !Number.isFinite(fraction)) return UNKNOWN;
  return `${(fraction * 100).toFixed(digits)}%`;
}

export function formatLoss(x: number | null): string {
  if (x === null) return UNKNOWN;
  return Number.isFinite(x) ? x.toFixed(4) : String(x);
}

/** A run's status for a person: 'pausing…' while its pause checkpoint is being written. */
export function statusLabel(status: string): string {
  return status === 'pausing' ? 'pausing…' : status;
}

export function formatLr(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

/** A learning rate typed by a person: the value, or the message saying what is wrong. */
export function parseLearningRate(
  text: string,
): { ok: true; lr: number } | { ok: false; message: string } {
  const lr = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(lr) || lr <= 0) {
    return { ok: false, message: 'Type a positive learning rate, e.g. 0.01.' };
  }
  // No upper cap: a rate that diverges is caught by the trainer (non-finite loss: the run
  // pauses, rolls back and says to lower it), which is worth seeing in a classroom.
  return { ok: true, lr };
}
