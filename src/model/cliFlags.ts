/**
 * The flags of `npm run dmr` (./cli.ts, ../export/cli.ts), read by Node's util.parseArgs as
 * the scripts' are (scripts/cliArgs.ts), with short messages that name the wrong flag. Node
 * only: the browser's and the worker's tsconfigs leave the command-line files out.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** A malformed command line: the message says which flag and what was wrong. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/**
 * Node's parseArgs error as a message for a person. Node's own texts suggest `--` tricks
 * that mean nothing to this command, and its errors carry the flag only in the text, where
 * it stands first in quotes ("Unknown option '--x'", "Option '--L <value>' argument missing").
 */
function flagMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const flag = quoted.split(' ')[0] ?? quoted;
  switch ((error as { code?: unknown }).code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (message.includes('does not take an argument')) return `${flag} takes no value`;
      if (message.includes('ambiguous')) {
        return `${flag} needs a value (write ${flag}=VALUE for a value that starts with "-")`;
      }
      return `${flag} needs a value`;
    default:
      return message;
  }
}

/**
 * The values of `args` (flags only, no positionals), or a CliUsageError for an unknown flag,
 * a missing or empty value, a value given to a switch, or a flag that takes a value given twice
 * (parseArgs would keep the last one silently).
 */
export function readFlags<const O extends FlagOptions>(args: string[], options: O) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false, tokens: true });
  } catch (error) {
    throw new CliUsageError(flagMessage(error));
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || options[token.name]?.type !== 'string') continue;
    if (token.value === '') throw new CliUsageError(`${token.rawName} needs a value`);
    if (seen.has(token.name)) throw new CliUsageError(`${token.rawName} is given twice`);
    seen.add(token.name);
  }
  return parsed.values;
}
