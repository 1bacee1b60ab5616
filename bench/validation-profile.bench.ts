/**
 * What validation against a Lucarne profile adds on ingest: µs per resource for the structural R4 check
 * alone, then with the resource's meta.profile, for one conforming resource per profile (goal: < 500 µs
 * added). The profile plans are compiled on the first validation; that one-off cost is printed apart.
 * Run: npx tsx bench/validation-profile.bench.ts [rounds]
 */
import {
  repositoryValidator,
  validAudit,
  validDose,
  validEndpoint,
  validOrder,
  validPatient,
  validReport,
  validStudy,
  type Json,
} from '../test/profiles/profile-fixtures';

const rounds = Number(process.argv[2] ?? 5000);
const validator = repositoryValidator();
const samples: [string, Json][] = [
  ['lucarne-patient', validPatient()],
  ['lucarne-imaging-order', validOrder()],
  ['lucarne-imaging-study', validStudy()],
  ['lucarne-imaging-report', validReport()],
  ['lucarne-dose-summary', validDose()],
  ['lucarne-dicomweb-endpoint', validEndpoint()],
  ['lucarne-audit-event', validAudit()],
];

function timeUs(fn: () => void, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e3 / n;
}

const rows: string[] = [];
let totalAdded = 0;
for (const [name, resource] of samples) {
  const bare = { ...resource, meta: undefined };
  const t0 = process.hrtime.bigint();
  const issues = validator.validate(resource);
  const firstMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (issues.length) throw new Error(`${name}: the sample does not conform: ${JSON.stringify(issues)}`);
  timeUs(() => validator.validate(bare), 500);
  timeUs(() => validator.validate(resource), 500);
  const base = timeUs(() => validator.validate(bare), rounds);
  const withProfile = timeUs(() => validator.validate(resource), rounds);
  totalAdded += withProfile - base;
  rows.push(`${name.padEnd(28)} ${base.toFixed(1).padStart(8)} ${withProfile.toFixed(1).padStart(12)} ${(withProfile - base).toFixed(1).padStart(8)} ${firstMs.toFixed(1).padStart(10)}`);
}
console.log(`validation against profiles, ${rounds} rounds per resource (µs/resource)`);
console.log(`${'profile'.padEnd(28)} ${'R4 only'.padStart(8)} ${'R4+profile'.padStart(12)} ${'added'.padStart(8)} ${'first (ms)'.padStart(10)}`);
for (const row of rows) console.log(row);
console.log(`mean added by the profile: ${(totalAdded / samples.length).toFixed(1)} µs/resource (goal < 500)`);
