import type { LucarneConfig } from '../config/config';
import { loadConfig } from '../config/load-config';
import { OAuthError } from '../auth/contracts';
import { AccountError } from '../auth/users/user-account';
import { systemClock } from '../kernel/clock';
import { MemoryStateStore } from '../store/state/memory-state-store';
import { openStateStore } from '../store/state/open-state-store';
import type { StateStore } from '../store/state/state-store';
import { UsageError, type OptionSpecs } from './args';

/** What `lucarne client` and `lucarne user` share: the server's state store, secrets read from stdin, tables. */

/** The options that say where the server's state is, as for `lucarne token`. */
export const STATE_OPTIONS: OptionSpecs = { 'data-dir': { type: 'string' }, config: { type: 'string' } };

/** Longest secret or password read from standard input. */
const MAX_SECRET_LENGTH = 1024;

/**
 * Runs `body` on the state store the server of these settings uses (--data-dir, --config, environment).
 * Refused when that store is per process (MongoDB for now): what the command wrote would be lost.
 */
export async function withServerState<T>(
  values: { 'data-dir'?: string; config?: string },
  command: string,
  body: (state: StateStore, config: LucarneConfig) => Promise<T>,
): Promise<T> {
  const env = { ...process.env, ...(values['data-dir'] ? { LUCARNE_DATA_DIR: values['data-dir'] } : {}) };
  const config = loadConfig({ env, configFile: values.config });
  const state = await openStateStore(config, systemClock);
  try {
    if (state instanceof MemoryStateStore) {
      throw new UsageError(`lucarne ${command} needs the server's shared state store: with MongoDB (MONGODB_URL) it is still kept per process`);
    }
    return await body(state, config);
  } finally {
    await state.close();
  }
}

/** The operator-facing message of a refused registration or account change, undefined for any other error. */
export function refusalMessage(e: unknown): string | undefined {
  if (e instanceof OAuthError) return e.description;
  if (e instanceof AccountError) return e.message;
  return undefined;
}

/** Writes `lucarne: <message>` on stderr and gives the exit code back. */
export function failed(message: string, code: number): number {
  process.stderr.write(`lucarne: ${message}\n`);
  return code;
}

/**
 * A secret (client secret, password) from standard input: the whole input less one final newline, or, on a
 * terminal, typed without echo (twice when `confirm`). Never echoed, never in the process's arguments.
 */
export async function readSecret(what: string, { confirm = false } = {}): Promise<string> {
  let value: string;
  if (process.stdin.isTTY) {
    value = await promptHidden(`${capitalised(what)}: `);
    if (confirm && (await promptHidden(`${capitalised(what)} again: `)) !== value) throw new UsageError(`the two ${what}s differ`);
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    value = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  if (value === '') throw new UsageError(`no ${what} on standard input`);
  if (/[\r\n]/.test(value)) throw new UsageError(`the ${what} on standard input must be a single line`);
  if (value.length > MAX_SECRET_LENGTH) throw new UsageError(`the ${what} on standard input is longer than ${MAX_SECRET_LENGTH} characters`);
  return value;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function promptHidden(prompt: string): Promise<string> {
  const tty = process.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (result: string | undefined) => {
      tty.removeListener('data', onData);
      tty.setRawMode(false);
      tty.pause();
      process.stderr.write('\n');
      if (result === undefined) reject(new UsageError('cancelled'));
      else resolve(result);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(value);
        if (ch === '\u0003') return finish(undefined);
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    process.stderr.write(prompt);
    tty.setEncoding('utf8');
    tty.setRawMode(true);
    tty.on('data', onData);
    tty.resume();
  });
}

/** Columns separated by two spaces; control characters (from stored names) shown as '?'. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const clean = rows.map((row) => row.map(printable));
  const widths = headers.map((h, i) => Math.max(h.length, ...clean.map((row) => row[i].length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), ...clean.map(line)].join('\n');
}

function printable(text: string): string {
  return [...text].map((ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) ? '?' : ch;
  }).join('');
}
