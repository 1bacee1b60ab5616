/**
 * Writes a synthetic data set as transaction Bundle files, for `lucarne import` or manual testing:
 *   npm run generate -- --patients 200 --out /tmp/lucarne-data [--seed 42] [--per-bundle 10] [--until 2026-06-30] [--plain]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, integerOption, parseCommandLine, runCommand } from '../../src/cli/args';
import { Dataset } from './dataset';

const USAGE = `Usage: npm run generate -- [options]

Writes a deterministic synthetic imaging data set as transaction Bundles (000-reference-data.json, then
NNN-patients.json) for \`lucarne import\`.

Options:
  --patients <n>     Patients to generate (default 100).
  --out <folder>     Output folder (default bench-data).
  --seed <n>         Random seed (default: a fixed seed, so runs are reproducible).
  --per-bundle <n>   Patients per transaction Bundle (default 10).
  --until <date>     Last visit date, YYYY-MM-DD (default today); visits span the six years before it.
  --plain            Plain creates. By default every Patient, order, study, report and dose is a
                     conditional create (If-None-Exist on its INS, accession number or identifier), so
                     importing the same files twice creates nothing new.
  --help, -h         Show this text.`;

async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, {
    patients: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string' },
    'per-bundle': { type: 'string' },
    until: { type: 'string' },
    plain: { type: 'boolean' },
  });
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const out = typeof args.values.out === 'string' ? args.values.out : 'bench-data';
  const until = typeof args.values.until === 'string' ? parseUntil(args.values.until) : undefined;
  const seed = integerOption(args.values, 'seed', 0);
  const dataset = new Dataset({
    patients: integerOption(args.values, 'patients') ?? 100,
    patientsPerBundle: integerOption(args.values, 'per-bundle') ?? 10,
    conditional: args.values.plain !== true,
    ...(until ? { until } : {}),
    ...(seed !== undefined ? { seed } : {}),
  });

  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, '000-reference-data.json'), JSON.stringify(dataset.referenceBundle(), null, 1));
  let files = 1;
  let resources = dataset.referenceBundle().entry?.length ?? 0;
  for (const bundle of dataset.patientBundles()) {
    writeFileSync(join(out, `${String(files).padStart(3, '0')}-patients.json`), JSON.stringify(bundle));
    resources += bundle.entry?.length ?? 0;
    files++;
  }
  const kind = args.values.plain === true ? 'plain creates' : 'conditional creates';
  process.stdout.write(`Wrote ${files} transaction bundles (${resources} resources, ${kind}) to ${out}\n`);
  return 0;
}

function parseUntil(text: string): Date {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T23:59:59Z`) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
    throw new UsageError(`--until must be a date YYYY-MM-DD (got '${text}')`);
  }
  return date;
}

runCommand('generate', () => main(process.argv.slice(2)), { help: 'npm run generate -- --help' });
