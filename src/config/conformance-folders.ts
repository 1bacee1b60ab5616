import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';

/** The folders whose FHIR JSON resources are added to the R4 definitions at start-up, relative to the repo. */
export const CONFORMANCE_FOLDERS = ['profiles', 'ig', 'terminology'] as const;

export interface ConformanceFiles {
  resources: Resource[];
  /** Files that were skipped, with the reason (logged as warnings; they never stop the server). */
  skipped: { file: string; reason: string }[];
}

/**
 * Reads every *.json file under the given folders (recursively, in name order, so loading is reproducible):
 * a file holds one resource or a Bundle whose entries are resources. Missing folders are ignored.
 */
export function readConformanceFolders(folders: readonly string[], root = process.cwd()): ConformanceFiles {
  const result: ConformanceFiles = { resources: [], skipped: [] };
  for (const folder of folders) {
    for (const file of jsonFiles(resolve(root, folder))) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        result.skipped.push({ file, reason: `not valid JSON: ${(e as Error).message}` });
        continue;
      }
      const type = (parsed as { resourceType?: unknown } | null)?.resourceType;
      if (typeof type !== 'string') {
        result.skipped.push({ file, reason: 'no resourceType' });
      } else if (type === 'Bundle') {
        for (const entry of (parsed as Bundle).entry ?? []) if (entry.resource) result.resources.push(entry.resource);
      } else {
        result.resources.push(parsed as Resource);
      }
    }
  }
  return result;
}

function jsonFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const name of names) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...jsonFiles(path));
    else if (name.endsWith('.json')) files.push(path);
  }
  return files;
}
