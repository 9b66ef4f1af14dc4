import { describe, expect, it } from 'vitest';
import { CliUsageError, readFlags } from './cliFlags';

const OPTIONS = {
  arch: { type: 'string' },
  L: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The message readFlags throws for `args`, or null when it reads them. */
function problem(...args: string[]): string | null {
  try {
    readFlags(args, OPTIONS);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(CliUsageError);
    return (e as Error).message;
  }
}

describe('readFlags (node:util parseArgs)', () => {
  it('reads values, inline values (negative ones too) and switches', () => {
    expect(readFlags(['--arch', 'dmrnet', '--L=12', '--json'], OPTIONS)).toEqual({
      arch: 'dmrnet',
      L: '12',
      json: true,
    });
    expect(readFlags(['--L=-6'], OPTIONS)).toEqual({ L: '-6' });
    expect(readFlags(['-h'], OPTIONS)).toEqual({ help: true });
    expect(readFlags([], OPTIONS)).toEqual({});
  });

  it('names the flag and what was wrong with it', () => {
    expect(problem('--arch', 'dmrnet', '--depth', '3')).toBe('unknown flag --depth');
    expect(problem('-x')).toBe('unknown flag -x');
    expect(problem('--arch')).toBe('--arch needs a value');
    expect(problem('--arch=')).toBe('--arch needs a value');
    expect(problem('--L', '--json')).toBe(
      '--L needs a value (write --L=VALUE for a value that starts with "-")',
    );
    expect(problem('--L', '-6')).toBe(
      '--L needs a value (write --L=VALUE for a value that starts with "-")',
    );
    expect(problem('--json=yes')).toBe('--json takes no value');
    expect(problem('--L', '12', '--L=18')).toBe('--L is given twice');
    expect(problem('dmrnet')).toBe('unexpected argument "dmrnet"');
    expect(problem('--arch', 'dmrnet', '12')).toBe('unexpected argument "12"');
  });
});
