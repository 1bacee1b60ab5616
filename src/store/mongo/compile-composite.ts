import type { SearchParameter } from '@medplum/fhirtypes';
import type { Document } from 'mongodb';
import type { SearchFilter, SearchValue } from '../../fhir/search/search-request';
import { badRequest } from '../../kernel/errors';
import type { CompiledFilter } from './compile-filter';
import { holds, numberBounds, rangeBounds, type Bound } from './range-bounds';
import { field, type CompositeEntry } from './search-keys';

type CompileFilter = (filter: SearchFilter, types: readonly string[]) => CompiledFilter;
type EntryTest = (entry: CompositeEntry) => boolean;

/**
 * A composite filter (`code-value-quantity=http://loinc.org|8480-6$gt100`). The index narrows: each component
 * value is an ordinary filter on its `<code>#<i>` keys, all ANDed (a superset: the values may come from
 * different elements). Then the candidate's `cp` entries must hold every component in one element (`group`):
 * same-element semantics, without $elemMatch (which FerretDB lacks).
 */
export function compositeFilter(filter: SearchFilter, types: readonly string[], compile: CompileFilter): CompiledFilter {
  const ors: Document[] = [];
  const alternatives: EntryTest[][] = [];
  for (const value of filter.values) {
    if (value.kind !== 'composite') throw badRequest(`search parameter '${filter.code}': expected a composite value`, filter.code);
    const components = value.components.map((component, i) => {
      const type = component.kind === 'codes' ? 'token' : component.kind;
      const sub: SearchFilter = { code: `${filter.code}#${i}`, param: { ...filter.param, type } as SearchParameter, values: [component] };
      return compile(sub, types).condition;
    });
    ors.push(components.length === 1 ? components[0] : { $and: components });
    alternatives.push(value.components.map((component) => entryTest(filter, component)));
  }
  const f = field(filter.code);
  const check = (doc: { cp?: Record<string, CompositeEntry[]> }) => {
    const groups = new Map<number, CompositeEntry[]>();
    for (const entry of doc.cp?.[f] ?? []) groups.set(entry.group, [...(groups.get(entry.group) ?? []), entry]);
    for (const entries of groups.values()) {
      const holdsAll = (tests: EntryTest[]) => tests.every((test, i) => entries.some((e) => e.i === i && test(e)));
      if (alternatives.some(holdsAll)) return true;
    }
    return false;
  };
  return { condition: ors.length === 1 ? ors[0] : { $or: ors }, check };
}

/** One component value as a test on one stored component entry (the same rules as the index conditions). */
function entryTest(filter: SearchFilter, v: SearchValue): EntryTest {
  const anyBounds = (alternatives: Bound[][], lo: number, hi: number) =>
    alternatives.some((bounds) => bounds.every((bound) => holds(bound, { lo, hi })));
  switch (v.kind) {
    case 'token':
      return (e) => e.kind === 'token' && (v.system === undefined || e.system === v.system) && (v.code === undefined || e.value === v.code);
    case 'codes':
      return (e) => e.kind === 'token' && v.codes.some((c) => c.system === e.system && c.code === e.value);
    case 'number':
    case 'quantity': {
      const alternatives = numberBounds(v.prefix, v.value, v.low, v.high);
      const unit = v.kind === 'quantity' && (v.system !== undefined || v.code !== undefined) ? v : undefined;
      return (e) =>
        (e.kind === 'number' || e.kind === 'quantity') && anyBounds(alternatives, e.value, e.value) &&
        (unit === undefined || (e.kind === 'quantity' && e.unit === (unit.code ?? '') && (unit.system === undefined || e.system === unit.system)));
    }
    case 'date': {
      const alternatives = rangeBounds(v.prefix, v.low, v.high);
      return (e) => e.kind === 'date' && anyBounds(alternatives, e.low, e.high);
    }
    case 'string':
      return (e) => e.kind === 'string' && e.norm.startsWith(v.value);
    case 'uri':
      return (e) => e.kind === 'uri' && e.value === v.value;
    case 'reference':
      if (v.url !== undefined) return (e) => e.kind === 'reference' && e.url === v.url && (v.version === undefined || e.version === v.version);
      return (e) => e.kind === 'reference' && v.id !== undefined && e.targetId === v.id && (v.targetType === undefined || e.targetType === v.targetType);
    default:
      throw badRequest(`search parameter '${filter.code}': ${v.kind} components are not supported by this server`, filter.code);
  }
}
