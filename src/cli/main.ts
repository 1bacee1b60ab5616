import { createApp } from '../app';
import { ConfigError, loadConfig } from '../config/load-config';
import { createLogger } from '../kernel/logger';
import { main as serve } from '../main';
import { UsageError, integerOption, parseCommandLine, runCommand } from './args';
import { collectFiles, importFiles } from './import-files';
import { localTarget, remoteTarget, type ImportTarget } from './import-target';
import { createProgressReporter } from './progress';
import { runClient } from './client-command';
import { runToken } from './token-command';
import { runUser } from './user-command';

const USAGE = `Usage: lucarne <command> [options]

Commands:
  serve [--config file.json]              Start the FHIR server (same as npm start); settings also come
                                          from environment variables (see README, Settings).
  import <files or folders...> [options]  Load transaction/batch Bundle files (*.json) and NDJSON files
                                          (*.ndjson, *.ndjson.gz: one resource per line).
    --url <fhir base URL>                 Send to a running server instead of opening the data folder.
    --data-dir <folder>                   Data folder to load into (default: LUCARNE_DATA_DIR or ./data).
    --batch-size <n>                      NDJSON resources per transaction (default 500).
    --config <file.json>                  Configuration file (as for serve).
  token [--scope "system/*.rs"]           Print an access token for local use (signed with the server's
                                          key from the data folder; see lucarne token --help).
  client <add|list|remove> [options]      Register, list and remove OAuth clients (lucarne client --help).
  user <add|passwd|list|remove> [options] Manage local accounts; passwords come from stdin (lucarne user --help).
  help, --help                            Show this text (lucarne <command> --help: that command's).

Exit codes: 0 success, 1 some resources failed, 2 bad usage or configuration.`;

const SERVE_USAGE = `Usage: lucarne serve [--config file.json]

Starts the FHIR server. Settings come from the configuration file and environment variables (see the
README's Settings table). Stop it with Ctrl-C or SIGTERM: it finishes in-flight requests first.`;

const IMPORT_USAGE = USAGE.slice(USAGE.indexOf('  import'), USAGE.indexOf('  token'))
  .split('\n')
  .map((line) => line.replace(/^ {2}/, ''))
  .join('\n')
  .trimEnd();

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'serve') {
    const args = parseCommandLine(rest, { config: { type: 'string' } });
    if (args.help) return printed(SERVE_USAGE);
    await serve(typeof args.values.config === 'string' ? ['--config', args.values.config] : []);
    return -1; // keeps running until a signal
  }
  if (command === 'import') return runImport(rest);
  if (command === 'token') return runToken(rest);
  if (command === 'client') return runClient(rest);
  if (command === 'user') return runUser(rest);
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  throw new UsageError(`unknown command "${command}"`);
}

function printed(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}

async function runImport(argv: string[]): Promise<number> {
  const args = parseCommandLine(
    argv,
    { url: { type: 'string' }, 'data-dir': { type: 'string' }, 'batch-size': { type: 'string' }, config: { type: 'string' } },
    { positionals: true },
  );
  if (args.help) return printed(`Usage: lucarne import <files or folders...> [options]\n\n${IMPORT_USAGE}`);
  const values = args.values as { url?: string; 'data-dir'?: string; config?: string };
  const positionals = args.positionals;
  if (positionals.length === 0) throw new UsageError('import needs at least one file or folder');
  const batchSize = integerOption(args.values, 'batch-size') ?? 500;
  let files: string[];
  try {
    files = collectFiles(positionals);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (files.length === 0) throw new UsageError(`no *.json or *.ndjson files in ${positionals.join(', ')}`);

  let target: ImportTarget;
  if (values.url) {
    target = remoteTarget(values.url.replace(/\/+$/, ''));
  } else {
    const env = { ...process.env, ...(values['data-dir'] ? { LUCARNE_DATA_DIR: values['data-dir'] } : {}) };
    const config = loadConfig({ env, configFile: values.config });
    const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, destination: process.stderr });
    target = localTarget(await createApp(config, { logger }));
  }

  const progress = createProgressReporter(process.stderr);
  try {
    const summary = await importFiles(files, target, { batchSize }, progress);
    const rate = summary.seconds > 0 ? Math.round(summary.resources / summary.seconds) : summary.resources;
    process.stdout.write(
      `Imported ${summary.resources} resources from ${summary.files} file(s) in ${summary.seconds.toFixed(1)} s ` +
        `(${rate} resources/s); ${summary.errors} error(s)\n`,
    );
    return summary.errors > 0 ? 1 : 0;
  } finally {
    await target.close();
  }
}

runCommand('lucarne', () => run(process.argv.slice(2)), {
  onError: (e) => (e instanceof ConfigError ? { message: e.message, code: 2 } : undefined),
});
