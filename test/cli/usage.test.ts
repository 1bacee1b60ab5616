import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, lucarne, serve } from './run-command';

/** One line on stderr, naming the problem, without a stack trace. */
function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('command-line usage', () => {
  it.each([
    [['--help'], /^Usage: lucarne <command>/],
    [['serve', '--help'], /^Usage: lucarne serve/],
    [['import', '--help'], /^Usage: lucarne import/],
  ])('lucarne %j prints usage and exits 0', (args, usage) => {
    const run = lucarne(args);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(usage);
  });

  it.each([
    [['serve', '--port', '8080'], /^lucarne: unknown option '--port' \(see lucarne --help\)$/],
    [['import', '--frobnicate', 'x.json'], /^lucarne: unknown option '--frobnicate'/],
    [['import', 'x.json', '--batch-size', 'ten'], /^lucarne: --batch-size must be a whole number/],
    [['import', 'x.json', '--url'], /^lucarne: .*--url/],
    [['frobnicate'], /^lucarne: unknown command "frobnicate"/],
  ])('lucarne %j is a one-line error with exit code 2', (args, message) => {
    const run = lucarne(args);
    expect(run.code).toBe(2);
    expectOneLineError(run.stderr, message);
  });

  it('npm run generate -- --help prints usage; a bad option is a one-line error with exit code 2', () => {
    const help = generate(['--help']);
    expect([help.code, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^Usage: npm run generate -- \[options\]/);
    expect(help.stdout).toMatch(/--plain/);
    for (const [args, message] of [
      [['--bogus'], /^generate: unknown option '--bogus' \(see npm run generate -- --help\)$/],
      [['--patients', 'many'], /^generate: --patients must be a whole number/],
      [['--until', '2026-02-30'], /^generate: --until must be a date YYYY-MM-DD/],
    ] as const) {
      const run = generate([...args]);
      expect(run.code).toBe(2);
      expectOneLineError(run.stderr, message);
    }
  }, 60_000);

  it('lucarne serve starts from the sources (no build) and answers /metadata', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lucarne-serve-'));
    const server = await serve({ LUCARNE_DATA_DIR: dir, LUCARNE_HOST: '127.0.0.1' });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/fhir/metadata`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { resourceType: string }).resourceType).toBe('CapabilityStatement');
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
