import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { REPO_ROOT } from './ig-test-server';

export const LUCARNE_PROFILES = [
  'lucarne-patient',
  'lucarne-imaging-order',
  'lucarne-imaging-study',
  'lucarne-imaging-report',
  'lucarne-dose-summary',
  'lucarne-dicomweb-endpoint',
  'lucarne-audit-event',
].map((id) => `https://lucarne.example/fhir/StructureDefinition/${id}`);

export interface JsonFile<T extends Resource = Resource> {
  file: string;
  resource: T;
}

/** Every *.json resource directly in a folder of the repository (not its sub-folders). */
export function readJsonFolder<T extends Resource = Resource>(folder: string): JsonFile<T>[] {
  const dir = join(REPO_ROOT, folder);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => ({ file: `${folder}/${n}`, resource: JSON.parse(readFileSync(join(dir, n), 'utf8')) as T }));
}

export const readExamples = () => readJsonFolder('ig/examples');
