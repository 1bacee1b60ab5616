import type { Document } from 'mongodb';
import type { Definitions } from '../../fhir/conformance/definitions';
import type { SearchFilter, SearchRequest, SortRule } from '../../fhir/search/search-request';
import { compileFilter, type CompiledFilter } from './compile-filter';
import { field, key, type SearchKeys } from './search-keys';

export interface CompiledSearch {
  filter: Document;
  sort: Document;
  /** Set when some filter is a superset on its own: candidates are checked in process before paging. */
  check?: (doc: { rg?: SearchKeys['rg'] }) => boolean;
}

/** SearchRequest -> a query on `resources`. Field names come only from our constants and definitions. */
export function compileSearch(
  definitions: Definitions, request: SearchRequest,
  /** Conditions of the chained filters, resolved beforehand (joins.ts). */
  chains: ReadonlyMap<SearchFilter, Document> = new Map(),
): CompiledSearch {
  const types = request.resourceTypes;
  const and: Document[] = [{ type: types.length === 1 ? types[0] : { $in: types } }, { deleted: false }];
  if (request.compartment) and.push(compartmentCondition(definitions, types, request.compartment));
  const checks: NonNullable<CompiledFilter['check']>[] = [];
  for (const filter of request.filters) {
    const chained = chains.get(filter);
    if (filter.chain?.length) {
      if (!chained) throw new Error(`chained filter ${filter.code} was not resolved`);
      and.push(chained);
      continue;
    }
    const compiled = compileFilter(filter, types);
    and.push(compiled.condition);
    if (compiled.check) checks.push(compiled.check);
  }
  const result: CompiledSearch = { filter: { $and: and }, sort: sortSpec(request.sort) };
  if (checks.length > 0) result.check = (doc) => checks.every((c) => c(doc));
  return result;
}

/** Sort rules, then `_id` so equal keys always come back in the same order (FerretDB sorts unstably). */
function sortSpec(rules: readonly SortRule[]): Document {
  const sort: Record<string, 1 | -1> = {};
  for (const rule of rules) {
    const dir = rule.descending ? -1 : 1;
    if (rule.code === '_id') sort.id ??= dir;
    else if (rule.code === '_lastUpdated') sort.lastUpdated ??= dir;
    else {
      const f = field(rule.code);
      // Resources without a value come last in both directions (p is absent for them).
      sort[`so.${f}.p`] ??= -1;
      sort[`so.${f}.${rule.descending ? 'd' : 'a'}`] ??= dir;
    }
  }
  sort._id ??= 1;
  return sort;
}

/** Patient/123/Observation: the parameters the Patient compartment lists for each type, pointing at it. */
function compartmentCondition(
  definitions: Definitions, types: readonly string[], compartment: { resourceType: string; id: string },
): Document {
  const ors: Document[] = [];
  if (compartment.resourceType === 'Patient') {
    if (types.includes('Patient')) ors.push({ _id: `Patient/${compartment.id}` });
    for (const type of types) {
      const params = definitions.patientCompartment.resource?.find((e) => e.code === type)?.param ?? [];
      if (params.length === 0) continue;
      const keys = params.map((code) => key.refTyped(code, 'Patient', compartment.id));
      ors.push({ type, k: { $in: keys } });
    }
  }
  if (ors.length === 0) return { _id: { $in: [] } };
  return ors.length === 1 ? ors[0] : { $or: ors };
}
