import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { StructureDefinition } from '@medplum/fhirtypes';
import { loadDefinitions, type Definitions } from './definitions';
import { generateSnapshot, type SnapshotSources } from './snapshot';

export interface ProfileFile {
  file: string;
  profile: StructureDefinition;
}

/**
 * The constraint StructureDefinitions of a folder (profiles/), one per *.json file, in name order; files of
 * sub-folders (profiles/fr-core/) come after those of the folder itself.
 */
export function readProfileFiles(dir: string): ProfileFile[] {
  const names = readdirSync(dir).sort();
  const here = names
    .filter((name) => name.endsWith('.json'))
    .map((name) => ({ file: join(dir, name), profile: JSON.parse(readFileSync(join(dir, name), 'utf8')) as StructureDefinition }))
    .filter(({ profile }) => profile.resourceType === 'StructureDefinition' && profile.derivation === 'constraint');
  const below = names.filter((name) => statSync(join(dir, name)).isDirectory()).flatMap((name) => readProfileFiles(join(dir, name)));
  return [...here, ...below];
}

/**
 * Regenerates the snapshot of every profile from the R4 base definitions (and from each other, when one
 * profile derives from another: bases are built first). Returns the profiles with their new snapshots.
 */
export function buildSnapshots(files: ProfileFile[], definitions: Definitions = loadDefinitions()): ProfileFile[] {
  const local = new Map(files.map((f) => [f.profile.url as string, f]));
  const done = new Map<string, StructureDefinition>();
  const sources: SnapshotSources = {
    byUrl: (url) => done.get(url) ?? (local.has(url) ? build(local.get(url) as ProfileFile) : definitions.profile(url)),
    byType: (type) => definitions.structureDefinition(type),
  };
  const build = (f: ProfileFile): StructureDefinition => {
    const url = f.profile.url as string;
    const existing = done.get(url);
    if (existing) return existing;
    const { snapshot: _old, ...rest } = f.profile;
    const built = { ...rest, snapshot: { element: generateSnapshot(f.profile, sources) } } as StructureDefinition;
    done.set(url, built);
    return built;
  };
  return files.map((f) => ({ file: f.file, profile: build(f) }));
}

/** The JSON text a profile file is written with (stable, so the freshness test can compare text). */
export function profileText(profile: StructureDefinition): string {
  return `${JSON.stringify(profile, null, 2)}\n`;
}
