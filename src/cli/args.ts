import { parseArgs } from 'node:util';

/** A bad command line: printed as one line (no stack trace) and the process exits with code 2. */
export class UsageError extends Error {}

export type OptionSpecs = Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean; multiple?: boolean }>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** --help or -h was given: the caller prints its usage and does nothing else. */
  help: boolean;
}

/**
 * Strict parsing of a command's options (every command also takes --help / -h): an unknown option, a
 * missing value or an unexpected argument is a UsageError with a short message naming it.
 */
export function parseCommandLine(argv: string[], options: OptionSpecs, { positionals = false } = {}): ParsedArgs {
  try {
    const parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: positionals,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
    });
    const { help, ...values } = parsed.values as Record<string, string | boolean | string[] | undefined>;
    return { values, positionals: parsed.positionals, help: help === true };
  } catch (e) {
    throw new UsageError(parseErrorMessage(e as Error & { code?: string }));
  }
}

function parseErrorMessage(e: Error & { code?: string }): string {
  const quoted = /'([^']+)'/.exec(e.message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${quoted ?? e.message}'`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted ?? e.message}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return e.message.split('\n')[0].replace(/\.$/, '');
    default:
      return e.message.split('\n')[0];
  }
}

/** A string option that must be a whole number of at least `min`. */
export function integerOption(values: ParsedArgs['values'], name: string, min = 1): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be a whole number of at least ${min} (got '${String(raw)}')`);
  }
  return n;
}

/**
 * Runs a command's body and turns its outcome into an exit code: a UsageError is one line on stderr
 * (`<program>: <message> (see <help>)`) and exit code 2; `onError` may map other known errors to a line and code.
 */
export function runCommand(
  program: string,
  body: () => Promise<number>,
  { help = `${program} --help`, onError = () => undefined }: { help?: string; onError?: (e: unknown) => { message: string; code: number } | undefined } = {},
): void {
  body().then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof UsageError) {
        process.stderr.write(`${program}: ${e.message} (see ${help})\n`);
        process.exitCode = 2;
        return;
      }
      const known = onError(e);
      if (known) {
        process.stderr.write(`${program}: ${known.message}\n`);
        process.exitCode = known.code;
        return;
      }
      process.stderr.write(`${program}: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
