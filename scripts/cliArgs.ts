/**
 * The scripts' command lines, read by Node's util.parseArgs: an unknown option or a missing
 * value exits with a message (a typo would otherwise be ignored silently and, say, a benchmark
 * measure the defaults).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Exits with `message` and where to read about the options. */
export function usageError(message: string, script: string): never {
  console.error(`${message}. See the comment at the top of ${script}.`);
  process.exit(2);
}

/** The options' values (strings and booleans), or an exit with a message. */
export function scriptOptions<const O extends ParseArgsOptionsConfig>(
  options: O,
  script: string,
  args: string[] = process.argv.slice(2),
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error), script);
  }
}

/** `value` as a number that passes `ok`, `fallback` when absent; an exit with a message if not. */
export function numberOption(
  value: string | undefined,
  name: string,
  fallback: number,
  ok: (n: number) => boolean,
  what: string,
  script: string,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !ok(n)) usageError(`--${name} needs ${what} (got "${value}")`, script);
  return n;
}

export const isPositiveInteger = (n: number) => Number.isInteger(n) && n > 0;
