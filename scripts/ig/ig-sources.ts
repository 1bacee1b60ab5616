import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';

/** A conformance or example resource of the guide, with its file relative to the repository root. */
export interface SourceFile {
  file: string;
  resource: Resource;
}

export interface IgSources {
  /** Conformance resources from profiles/, terminology/ and ig/ (ig/examples/ and the IG itself excluded). */
  conformance: SourceFile[];
  /** ig/examples/. */
  examples: SourceFile[];
}

export const IG_FILE = 'ig/ImplementationGuide-lucarne.json';

export function readIgSources(root: string): IgSources {
  const conformance = [...readTree(root, 'profiles'), ...readTree(root, 'terminology'), ...readTree(root, 'ig')].filter(
    (f) => !f.file.startsWith('ig/examples/') && !f.file.startsWith('ig/pages/') && f.file !== IG_FILE,
  );
  return { conformance, examples: readTree(root, 'ig/examples') };
}

function readTree(root: string, folder: string): SourceFile[] {
  const dir = join(root, folder);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const files: SourceFile[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...readTree(root, `${folder}/${name}`));
    else if (name.endsWith('.json')) {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as Resource;
      if (typeof parsed?.resourceType === 'string') files.push({ file: relative(root, path).split('\\').join('/'), resource: parsed });
    }
  }
  return files;
}
