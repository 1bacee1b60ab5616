import type { Document } from 'mongodb';
import type { Definitions } from '../../fhir/conformance/definitions';
import type { CompartmentRestriction, SearchFilter, SearchRequest } from '../../fhir/search/search-request';
import { compileFilter, type CompiledFilter } from './compile-filter';
import { keysetFilter, sortDocument, sortFields, type SortField } from './keyset';
import { key, type CheckDoc } from './search-keys';

export interface CompiledSearch {
  /** Matching documents, without the keyset bound (what a total counts). */
  filter: Document;
  /** The filter of this page: `filter` and, with a cursor, the keyset bound. */
  pageFilter: Document;
  sort: Document;
  /** The page order's keys, whose values on the boundary documents make the cursors. */
  fields: SortField[];
  /** A previous-page query: documents come in reverse order. */
  reverse: boolean;
  /** Set when some filter is a superset on its own: candidates are checked in process before paging. */
  check?: (doc: CheckDoc) => boolean;
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
  const fields = sortFields(request.sort);
  const reverse = request.cursor !== undefined && !request.cursor.after;
  const filter = { $and: and };
  const pageFilter = request.cursor ? { $and: [...and, keysetFilter(fields, request.cursor, reverse)] } : filter;
  const result: CompiledSearch = { filter, pageFilter, sort: sortDocument(fields, reverse), fields, reverse };
  if (checks.length > 0) result.check = (doc) => checks.every((c) => c(doc));
  return result;
}

/** Patient/123/Observation: the parameters the Patient compartment lists for each type, pointing at it. */
function compartmentCondition(definitions: Definitions, types: readonly string[], compartment: CompartmentRestriction): Document {
  const ors: Document[] = [];
  if (compartment.resourceType === 'Patient') {
    const targets = compartment.ids ?? [compartment.id];
    if (types.includes('Patient')) ors.push({ _id: { $in: targets.map((id) => `Patient/${id}`) } });
    const open: string[] = [];
    for (const type of types) {
      const params = definitions.patientCompartment.resource?.find((e) => e.code === type)?.param ?? [];
      if (params.length === 0) {
        if (type !== 'Patient' && compartment.otherTypes === 'open') open.push(type);
        continue;
      }
      const keys = params.flatMap((code) => targets.map((id) => key.refTyped(code, 'Patient', id)));
      ors.push({ type, k: { $in: keys } });
    }
    if (open.length > 0) ors.push({ type: { $in: open } });
  }
  if (ors.length === 0) return { _id: { $in: [] } };
  return ors.length === 1 ? ors[0] : { $or: ors };
}
