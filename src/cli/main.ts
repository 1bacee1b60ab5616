import { parseArgs } from 'node:util';
import { createApp } from '../app';
import { ConfigError, loadConfig } from '../config/load-config';
import { createLogger } from '../kernel/logger';
import { collectFiles, importFiles } from './import-files';
import { localTarget, remoteTarget, type ImportTarget } from './import-target';
import { createProgressReporter } from './progress';

const USAGE = `Usage: lucarne <command> [options]

Commands:
  serve [--config file.json]              Start the FHIR server (same as npm start).
  import <files or folders...> [options]  Load transaction/batch Bundle files (*.json) and NDJSON files
                                          (*.ndjson, *.ndjson.gz: one resource per line).
    --url <fhir base URL>                 Send to a running server instead of opening the data folder.
    --data-dir <folder>                   Data folder to load into (default: LUCARNE_DATA_DIR or ./data).
    --batch-size <n>                      NDJSON resources per transaction (default 500).
    --config <file.json>                  Configuration file (as for serve).
  help                                    Show this text.

Exit codes: 0 success, 1 some resources failed, 2 bad usage or configuration.`;

class UsageError extends Error {}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'serve') {
    const { main } = await import('../main');
    await main(rest);
    return -1; // keeps running until a signal
  }
  if (command === 'import') return runImport(rest);
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  throw new UsageError(`unknown command "${command}"`);
}

async function runImport(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      'data-dir': { type: 'string' },
      'batch-size': { type: 'string', default: '500' },
      config: { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new UsageError('import needs at least one file or folder');
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('--batch-size must be a positive integer');
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

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e) => {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`lucarne: ${(e as Error).message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (e instanceof ConfigError) {
      process.stderr.write(`lucarne: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`lucarne: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 1;
    }
  },
);
