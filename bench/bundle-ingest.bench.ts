/**
 * Main-thread CPU of transaction Bundle ingest, stage by stage, without HTTP or a store: the synthetic
 * patient Bundles of `npm run bench` go through JSON parsing with the body checks (parseSafeJson), planning
 * (planBundle), urn:uuid reference rewriting, validation and search-index extraction. Prints µs per resource
 * for each stage, the median of several rounds. Cheap and quiet enough to compare two versions of the code
 * on a shared machine, where the HTTP benchmark is not.
 * Run: npx tsx bench/bundle-ingest.bench.ts [patients=300] [rounds=15]
 */
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../src/fhir/conformance/definitions';
import { planBundle } from '../src/fhir/bundle/bundle-plan';
import { rewriteEntryReferences, type IdentityMap } from '../src/fhir/bundle/reference-rewrite';
import { createExtractor } from '../src/fhir/search/extract';
import { createValidator } from '../src/fhir/validation/create-validator';
import { parseSafeJson } from '../src/http/safe-json';
import { Dataset } from './generate/dataset';

const BASE = 'http://localhost:8080/fhir';
const patients = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 15);

const dataset = new Dataset({ patients, patientsPerBundle: 10 });
const bodies = [...dataset.patientBundles()].map((b) => JSON.stringify(b));
const definitions = loadDefinitions();
const validator = createValidator(definitions);
const extractor = createExtractor(definitions, { baseUrl: BASE });

const STAGES = ['parse', 'plan', 'rewrite', 'validate', 'extract'] as const;
type Stage = (typeof STAGES)[number];

function round(): { resources: number; ns: Record<Stage, number> } {
  const ns: Record<Stage, number> = { parse: 0, plan: 0, rewrite: 0, validate: 0, extract: 0 };
  let resources = 0;
  let t = process.hrtime.bigint();
  const lap = (stage: Stage) => {
    const now = process.hrtime.bigint();
    ns[stage] += Number(now - t);
    t = now;
  };
  for (const text of bodies) {
    t = process.hrtime.bigint();
    const body = parseSafeJson(text);
    lap('parse');
    const plan = planBundle(body, BASE);
    lap('plan');
    const identities: IdentityMap = new Map();
    for (const e of plan.entries) {
      if (e.fullUrl && e.resource) identities.set(e.fullUrl, `${e.resource.resourceType}/${e.fullUrl.slice(-36)}`);
    }
    for (const e of plan.entries) rewriteEntryReferences(e, identities);
    lap('rewrite');
    const written = plan.entries.map((e) => e.resource).filter((r): r is Resource => r !== undefined);
    for (const r of written) validator.validate(r);
    lap('validate');
    for (const r of written) extractor.extract(r);
    lap('extract');
    resources += written.length;
  }
  return { resources, ns };
}

round(); // warm-up: compiles the element tables and extraction programs
round();
const samples: Record<Stage, number[]> = { parse: [], plan: [], rewrite: [], validate: [], extract: [] };
let resources = 0;
for (let i = 0; i < rounds; i++) {
  const r = round();
  resources = r.resources;
  for (const s of STAGES) samples[s].push(r.ns[s] / 1e3 / r.resources);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let total = 0;
console.log(`${resources} resources in ${bodies.length} Bundles, median of ${rounds} rounds (µs/resource):`);
for (const s of STAGES) {
  const m = median(samples[s]);
  total += m;
  console.log(`  ${s.padEnd(9)} ${m.toFixed(2).padStart(7)}`);
}
console.log(`  ${'total'.padEnd(9)} ${total.toFixed(2).padStart(7)}`);
