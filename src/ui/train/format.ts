/** Number formats of the training read-out (pure, so they can be tested apart from React). */

export function formatLoss(x: number | null): string {
  if (x === null) return '–';
  return Number.isFinite(x) ? x.toFixed(4) : String(x);
}

/** An error rate 0..1 as a percentage. */
export function formatPercent(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '–';
  return `${(x * 100).toFixed(1)}%`;
}

export function formatLr(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
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
