/**
 * Builds (once) the search benchmark's database: about `patients` generated imaging records written straight
 * through the embedded store and its real search index in large transactions, no HTTP. The finished file is
 * cached under ~/.cache/lucarne/bench/ keyed by the size, the seed and a hash of every source file that shapes
 * the data or the index layout, so reruns reuse it and a change of generator or index schema rebuilds it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../src/fhir/conformance/definitions';
import { databaseFileName, openEmbeddedStore } from '../../src/store/embedded/embedded-store';
import { createEmbeddedSearchIndex } from '../../src/store/embedded/search/embedded-search-index';
import { Dataset } from '../generate/dataset';

const ROOT = join(__dirname, '..', '..');

/** Files whose change makes a cached database stale: the generator, the extraction and the index schema. */
const SHAPING_SOURCES = [
  'bench/generate', 'bench/search/build-dataset.ts', 'src/store/embedded/schema.ts',
  'src/store/embedded/search/index-schema.ts', 'src/store/embedded/search/index-writer.ts',
];
const SHAPING_PREFIXES = ['src/fhir/search/extract', 'src/fhir/search/index-entry'];

export interface BuildOptions {
  patients: number;
  seed: number;
  /** Visits per patient: 10,000 patients x ~17 visits x ~5.8 resources is about a million resources. */
  encounters: [number, number];
  log?: (line: string) => void;
}

export interface BuiltDataset {
  dataDir: string;
  file: string;
  resources: number;
  /** Handles on the data for the benchmark's queries. */
  sample: DatasetSample;
  buildSeconds?: number;
}

export interface DatasetSample {
  patientIds: string[];
  nirs: string[];
  studyIds: string[];
  counts: Record<string, number>;
}

function sourceHash(): string {
  const hash = createHash('sha256');
  const visit = (path: string) => {
    const full = join(ROOT, path);
    if (!existsSync(full)) return;
    if (full.endsWith('.ts')) {
      if (!full.endsWith('.test.ts')) hash.update(path).update(readFileSync(full));
      return;
    }
    for (const name of readdirSync(full).sort()) visit(join(path, name));
  };
  for (const p of SHAPING_SOURCES) visit(p);
  for (const name of readdirSync(join(ROOT, 'src/fhir/search')).sort()) {
    const path = `src/fhir/search/${name}`;
    if (SHAPING_PREFIXES.some((prefix) => path.startsWith(prefix))) visit(path);
  }
  return hash.digest('hex').slice(0, 12);
}

/** `urn:uuid:X` references of a patient record become `Type/X`, X being the id the resource is stored under. */
function rewriteReferences(value: unknown, types: Map<string, string>): void {
  if (Array.isArray(value)) for (const v of value) rewriteReferences(v, types);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.reference === 'string' && o.reference.startsWith('urn:uuid:')) {
      const id = o.reference.slice('urn:uuid:'.length);
      o.reference = `${types.get(id)}/${id}`;
    }
    for (const v of Object.values(o)) rewriteReferences(v, types);
  }
}

export async function buildDataset(options: BuildOptions): Promise<BuiltDataset> {
  const log = options.log ?? (() => {});
  const key = `search-p${options.patients}-e${options.encounters.join('_')}-s${options.seed}-${sourceHash()}`;
  const cacheRoot = join(homedir(), '.cache', 'lucarne', 'bench');
  const dataDir = join(cacheRoot, key);
  const metaFile = join(dataDir, 'sample.json');
  if (existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { resources: number; sample: DatasetSample };
    log(`Using the cached database ${dataDir}`);
    return { dataDir, file: join(dataDir, databaseFileName), ...meta };
  }

  const building = `${dataDir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const definitions = loadDefinitions();
  const store = openEmbeddedStore({ dataDir: building, index: createEmbeddedSearchIndex(definitions), durability: 'normal' });
  const dataset = new Dataset({ patients: options.patients, seed: options.seed, encounters: options.encounters, patientsPerBundle: 50 });
  const sample: DatasetSample = { patientIds: [], nirs: [], studyIds: [], counts: {} };
  let resources = 0;
  const t0 = performance.now();
  try {
    const reference = dataset.referenceBundle().entry ?? [];
    await store.transaction(async (tx) => {
      for (const e of reference) await tx.update(e.resource as Resource & { id: string });
    });
    resources += reference.length;
    let last = t0;
    for (const bundle of dataset.patientBundles()) {
      const types = new Map<string, string>();
      const batch: (Resource & { id: string })[] = [];
      for (const entry of (bundle as Bundle).entry ?? []) {
        const id = entry.fullUrl!.slice('urn:uuid:'.length);
        types.set(id, entry.resource!.resourceType);
        const resource = { ...entry.resource!, id } as Resource & { id: string };
        rewriteReferences(resource, types);
        batch.push(resource);
        sample.counts[resource.resourceType] = (sample.counts[resource.resourceType] ?? 0) + 1;
        if (resource.resourceType === 'Patient') {
          sample.patientIds.push(id);
          const nir = resource.identifier?.find((i) => i.system === 'urn:oid:1.2.250.1.213.1.4.8')?.value;
          if (nir) sample.nirs.push(nir);
        } else if (resource.resourceType === 'ImagingStudy' && sample.studyIds.length < 5000) sample.studyIds.push(id);
      }
      await store.transaction(async (tx) => {
        for (const r of batch) await tx.create(r);
      });
      resources += batch.length;
      if (performance.now() - last > 10_000) {
        last = performance.now();
        const rate = resources / ((last - t0) / 1000);
        log(`  ${resources.toLocaleString('en-US')} resources, ${rate.toFixed(0)}/s`);
      }
    }
  } finally {
    await store.close();
  }
  const buildSeconds = (performance.now() - t0) / 1000;
  writeFileSync(join(building, 'sample.json'), JSON.stringify({ resources, sample, buildSeconds }));
  rmSync(dataDir, { recursive: true, force: true });
  renameSync(building, dataDir);
  log(`Built ${resources.toLocaleString('en-US')} resources in ${buildSeconds.toFixed(0)} s into ${dataDir}`);
  return { dataDir, file: join(dataDir, databaseFileName), resources, sample, buildSeconds };
}
