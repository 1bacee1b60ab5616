/**
 * Writes a synthetic data set as transaction Bundle files, for `lucarne import` or manual testing:
 *   npx tsx bench/generate/main.ts --patients 200 --out /tmp/lucarne-data [--seed 42] [--per-bundle 10]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Dataset } from './dataset';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '100' },
    out: { type: 'string', default: 'bench-data' },
    seed: { type: 'string' },
    'per-bundle': { type: 'string', default: '10' },
    conditional: { type: 'boolean', default: false },
  },
});

const dataset = new Dataset({
  patients: Number(values.patients),
  patientsPerBundle: Number(values['per-bundle']),
  conditionalPatient: values.conditional,
  ...(values.seed ? { seed: Number(values.seed) } : {}),
});
mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, '000-reference-data.json'), JSON.stringify(dataset.referenceBundle(), null, 1));
let files = 1;
let resources = dataset.referenceBundle().entry?.length ?? 0;
for (const bundle of dataset.patientBundles()) {
  writeFileSync(join(values.out, `${String(files).padStart(3, '0')}-patients.json`), JSON.stringify(bundle));
  resources += bundle.entry?.length ?? 0;
  files++;
}
console.log(`Wrote ${files} transaction bundles (${resources} resources) to ${values.out}`);
