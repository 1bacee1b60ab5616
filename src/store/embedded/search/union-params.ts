import type Database from 'better-sqlite3';
import type { SearchParameter } from '@medplum/fhirtypes';
import type { Definitions } from '../../../fhir/conformance/definitions';
import type { Extractor } from '../../../fhir/search/extract';
import { rootType, splitUnion } from '../../../fhir/search/extract-path';
import { INDEX_TABLES } from './index-schema';

/**
 * Which codes hold the rows that answer a parameter code on a type.
 *
 * Some parameters are by definition the union of others of the same type and kind: Observation `combo-code`
 * (`Observation.code | Observation.component.code`) = `code` | `component-code`, the composite
 * `combo-code-value-quantity` = `code-value-quantity` | `component-code-value-quantity`... Their rows would
 * repeat the parts' rows (~10 % of the ingest data set's rows), so they are not stored, and a search on
 * one reads its parts' rows instead. The same holds for the codes derived from them (`combo-code:text`,
 * `combo-code-value-quantity#1`...): a derived code is the base code followed by `:` or `#`.
 */
export interface ParamAliases {
  /** The codes whose rows answer `code` on `type`: `[code]` itself, or the parts of a union parameter. */
  resolve(type: string, code: string): readonly string[];
}

export const NO_ALIASES: ParamAliases = { resolve: (_type, code) => [code] };

/**
 * Finds the union parameters among those the extractor indexes, conservatively: a parameter is an alias
 * only when its expression's parts (split on top-level `|`, keeping those the extractor evaluates on the
 * type) are, as text, exactly the union of the parts of other stored parameters of the same type and
 * SearchParameter.type, each of them strictly fewer. Composites must also have the same components
 * (definition type and expression, in order), so that each root element yields the same component values
 * and same-element matching can be done per part. Extraction depends only on the part, the kind and the
 * components, so the union's rows are exactly its parts' rows under another code.
 */
export function findParamAliases(definitions: Definitions, extractor: Extractor): ParamAliases {
  const byType = new Map<string, Map<string, string[]>>();
  const aliasesOf = (type: string) => {
    let found = byType.get(type);
    if (!found) byType.set(type, (found = unionParams(definitions, extractor, type)));
    return found;
  };
  return {
    resolve(type, code) {
      const aliases = aliasesOf(type);
      if (aliases.size === 0) return [code];
      const cut = code.search(/[:#]/);
      const base = cut < 0 ? code : code.slice(0, cut);
      const parts = aliases.get(base);
      if (!parts) return [code];
      const suffix = cut < 0 ? '' : code.slice(cut);
      return parts.map((p) => p + suffix);
    },
  };
}

interface Candidate {
  code: string;
  kind: string;
  parts: Set<string>;
  /** Composites: the components' definition types and expressions. */
  components?: string;
}

function unionParams(definitions: Definitions, extractor: Extractor, type: string): Map<string, string[]> {
  const candidates: Candidate[] = [];
  for (const p of extractor.compiled(type)) {
    const parts = ownParts(p.param, (root) => root === type || root === 'Resource' || root === 'DomainResource');
    if (parts.size > 0) candidates.push({ code: p.code, kind: p.kind, parts });
  }
  for (const c of extractor.compiledComposites(type)) {
    const param = definitions.searchParameter(type, c.code);
    const components = param && componentSignature(definitions, param);
    if (!param || components === undefined) continue;
    const parts = ownParts(param, (root) => root === type);
    if (parts.size > 0) candidates.push({ code: c.code, kind: 'composite', parts, components });
  }
  // Fewest parts first: every possible part of a parameter is decided (stored or not) before it.
  candidates.sort((a, b) => a.parts.size - b.parts.size);
  const aliases = new Map<string, string[]>();
  const stored: Candidate[] = [];
  for (const c of candidates) {
    const parts = c.parts.size < 2 ? [] : stored.filter((s) =>
      s.kind === c.kind && s.components === c.components && s.parts.size < c.parts.size &&
      [...s.parts].every((part) => c.parts.has(part)));
    // One code per distinct set of parts (two parameters with the same expression hold the same rows).
    const distinct = parts.filter((s, i) => parts.findIndex((o) => sameSet(o.parts, s.parts)) === i);
    const covered = new Set(distinct.flatMap((s) => [...s.parts]));
    if (distinct.length > 0 && [...c.parts].every((part) => covered.has(part))) {
      aliases.set(c.code, distinct.map((s) => s.code));
    } else {
      stored.push(c);
    }
  }
  return aliases;
}

/** The parts of the expression that the extractor evaluates for the type (as it filters them). */
function ownParts(param: SearchParameter, evaluated: (root: string | undefined) => boolean): Set<string> {
  return new Set(param.expression ? splitUnion(param.expression).filter((part) => evaluated(rootType(part))) : []);
}

function componentSignature(definitions: Definitions, param: SearchParameter): string | undefined {
  const out: string[] = [];
  for (const c of param.component ?? []) {
    const kind = definitions.canonical<SearchParameter>(c.definition)?.type;
    if (!kind || !c.expression) return undefined;
    out.push(`${kind}\0${c.expression.trim()}`);
  }
  return out.length > 0 ? out.join('\0\0') : undefined;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/**
 * Deletes the rows a database written before union parameters were detected holds for them (searches now
 * read the parts' rows, which those resources also have). Their idx_param rows stay, unused, so that no
 * id is ever reused. Idempotent and cheap once done: one index probe per table and union code present.
 * If the definitions change so that a parameter stops being a union, its rows come back as resources are
 * written again, as for any newly defined parameter.
 */
export function deleteAliasRows(db: Database.Database, aliases: ParamAliases): void {
  const params = db.prepare('SELECT id, type, code FROM idx_param').all() as { id: number; type: string; code: string }[];
  const unused = params.filter((p) => {
    const stored = aliases.resolve(p.type, p.code);
    return stored.length !== 1 || stored[0] !== p.code;
  });
  if (unused.length === 0) return;
  const deletes = INDEX_TABLES.map((t) => db.prepare(`DELETE FROM ${t} WHERE param_id = ?`));
  db.transaction(() => {
    for (const p of unused) for (const d of deletes) d.run(p.id);
  })();
}
