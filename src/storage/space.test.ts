import { describe, expect, it } from 'vitest';
import { describeWriteFailure, SPACE_MARGIN_BYTES, spaceProblem } from './space';

const MB = 1024 * 1024;

describe('storage space', () => {
  it('lets a write through only with the margin to spare, and says the numbers otherwise', () => {
    const quota = 1046 * MB;
    expect(spaceProblem({ usage: 22 * MB, quota }, 100 * MB, 'x')).toBeNull();
    expect(spaceProblem({}, 1e12, 'x')).toBeNull(); // no estimate: nothing to say
    const tight = spaceProblem(
      { usage: quota - 40 * MB, quota },
      40 * MB - SPACE_MARGIN_BYTES + 1,
      'the checkpoint of run "a" at step 30',
    );
    expect(tight).toBe(
      'Not enough storage space for the checkpoint of run "a" at step 30: it needs 8.0 MB plus 32.0 MB kept free, and 40.0 MB is available (this site stores 1,006 MB; the browser allows it 1,046 MB, limited by the free disk space).',
    );
  });

  it('calls a quota error with room left under the quota a full disk', () => {
    const full = new DOMException('Failed to write blobs (IOError)', 'UnknownError');
    const quotaError = new DOMException('quota', 'QuotaExceededError');
    expect(describeWriteFailure(full, 'the checkpoint', { usage: 22 * MB, quota: 1046 * MB })).toBe(
      'Storage ran out while writing the checkpoint. The disk is full: this site stores 22.0 MB and may use up to 1,046 MB, but the device has no room left for it. Free disk space or delete a dataset or run.',
    );
    expect(
      describeWriteFailure(quotaError, 'the checkpoint', { usage: 1040 * MB, quota: 1046 * MB }),
    ).toMatch(/This site stores 1,040 MB of the 1,046 MB the browser allows it\./);
    expect(describeWriteFailure(new Error('boom'), 'a run', {})).toBe(
      'The browser could not write a run (Error: boom).',
    );
  });
});
