import type { IndexEntry } from '../../fhir/search/index-entry';

type WithoutCode<T> = T extends unknown ? Omit<T, 'code'> : never;

/**
 * Search keys precomputed from the extracted index entries and stored on the current document of a resource
 * (`resources`). Every key a query compares with is a plain value in a fixed or per-parameter field, so each
 * filter is one predicate on one field: exact on MongoDB and on FerretDB alike, with no $elemMatch.
 *
 *   k   string[]  equality keys, prefixed by kind and parameter code (tokens, references, uris, exact strings,
 *                 and `m␟code` presence markers for :missing). Index {k: 1, type: 1}.
 *   s   string[]  `code␟normalised` strings: prefix = anchored regex (an index range), contains = regex
 *                 bounded by the `code␟` prefix. Index {s: 1, type: 1}.
 *   rg  { <field(code)>: { lo: number[], hi: number[], e: RangeEntry[] } }  date/number/quantity bounds.
 *                 One-sided prefixes (gt lt ge le sa eb ne) are one predicate on lo or hi; eq/ap and units
 *                 need the same entry, so they are narrowed by the predicates and checked on `e` in process.
 *   so  { <field(code)>: { p: true, a: min, d: max } }  sort keys (p sorts resources without a value last).
 *   cp  { <field(code)>: CompositeEntry[] }  the component values of a composite parameter with their source
 *                 element (`group`): a composite filter narrows by the component keys (in k/rg under
 *                 `<code>#<i>`, any element) and checks on `cp` in process that one element holds them all.
 */
export const SEP = '\u001f';

export const key = {
  tokenExact: (code: string, system: string, value: string) => `t${SEP}${code}${SEP}${system}${SEP}${value}`,
  tokenAnySystem: (code: string, value: string) => `ta${SEP}${code}${SEP}${value}`,
  tokenSystem: (code: string, system: string) => `ts${SEP}${code}${SEP}${system}`,
  refTyped: (code: string, type: string, id: string) => `rt${SEP}${code}${SEP}${type}/${id}`,
  refId: (code: string, id: string) => `ri${SEP}${code}${SEP}${id}`,
  refUrl: (code: string, url: string) => `ru${SEP}${code}${SEP}${url}`,
  refUrlVersion: (code: string, url: string, version: string) => `rv${SEP}${code}${SEP}${url}${SEP}${version}`,
  uri: (code: string, value: string) => `u${SEP}${code}${SEP}${value}`,
  exact: (code: string, text: string) => `se${SEP}${code}${SEP}${text}`,
  present: (code: string) => `m${SEP}${code}`,
  norm: (code: string, norm: string) => `${code}${SEP}${norm}`,
};

/** One stored range (a date's precision, a number, a quantity), kept whole for same-entry checks. */
export interface RangeEntry {
  lo: number;
  hi: number;
  /** Quantity unit system and code; absent for dates and numbers. */
  s?: string;
  u?: string;
}

/** A component value of a composite parameter: component position `i`, source element `group`. */
export type CompositeEntry = WithoutCode<IndexEntry> & { i: number };

export interface SortKey {
  p: true;
  a: string | number;
  d: string | number;
}

export interface SearchKeys {
  k: string[];
  s: string[];
  rg: Record<string, { lo: number[]; hi: number[]; e: RangeEntry[] }>;
  so: Record<string, SortKey>;
  cp: Record<string, CompositeEntry[]>;
}

/** What in-process checks read from a candidate document. */
export type CheckDoc = { rg?: SearchKeys['rg']; cp?: SearchKeys['cp'] };

/**
 * A parameter code as a field name. Codes come from SearchParameter definitions, never from clients; the
 * replacement only keeps characters MongoDB gives a meaning (`.` paths, leading `$`) out of field names.
 */
export function field(code: string): string {
  return code.replace(/[^A-Za-z0-9_-]/g, (c) => `~${c.charCodeAt(0).toString(16)}~`);
}

export function searchKeys(entries: readonly IndexEntry[]): SearchKeys {
  const k = new Set<string>();
  const s = new Set<string>();
  const rg: SearchKeys['rg'] = {};
  const so: SearchKeys['so'] = {};
  const cp: SearchKeys['cp'] = {};
  const sortOn = (code: string, asc: string | number, desc: string | number) => {
    const f = field(code);
    const cur = so[f];
    if (!cur) so[f] = { p: true, a: asc, d: desc };
    else {
      if (asc < cur.a) cur.a = asc;
      if (desc > cur.d) cur.d = desc;
    }
  };
  const range = (code: string, entry: RangeEntry) => {
    const f = field(code);
    const r = (rg[f] ??= { lo: [], hi: [], e: [] });
    r.lo.push(entry.lo);
    r.hi.push(entry.hi);
    r.e.push(entry);
  };
  for (const e of entries) {
    k.add(key.present(e.code));
    // An identifier-only reference still gives its parameter a value (R4 :missing).
    if (e.code.endsWith(':identifier')) k.add(key.present(e.code.slice(0, -':identifier'.length)));
    const hash = e.code.indexOf('#');
    if (hash > 0) {
      const base = e.code.slice(0, hash);
      k.add(key.present(base));
      const { code: _code, ...value } = e;
      (cp[field(base)] ??= []).push({ ...value, i: Number(e.code.slice(hash + 1)) } as CompositeEntry);
    }
    switch (e.kind) {
      case 'string':
        s.add(key.norm(e.code, e.norm));
        k.add(key.exact(e.code, e.exact));
        sortOn(e.code, e.norm, e.norm);
        break;
      case 'token':
        k.add(key.tokenExact(e.code, e.system, e.value));
        k.add(key.tokenAnySystem(e.code, e.value));
        k.add(key.tokenSystem(e.code, e.system));
        sortOn(e.code, e.value, e.value);
        break;
      case 'reference': {
        if (e.targetId !== null) {
          k.add(key.refId(e.code, e.targetId));
          if (e.targetType !== null) k.add(key.refTyped(e.code, e.targetType, e.targetId));
        }
        if (e.url) {
          k.add(key.refUrl(e.code, e.url));
          if (e.version !== null) k.add(key.refUrlVersion(e.code, e.url, e.version));
        }
        const sortText = `${e.targetType ?? ''}/${e.targetId ?? ''}${e.url ?? ''}`;
        sortOn(e.code, sortText, sortText);
        break;
      }
      case 'date':
        range(e.code, { lo: e.low, hi: e.high });
        sortOn(e.code, e.low, e.high);
        break;
      case 'number':
        // Number and quantity searches compare the stored value itself (as the embedded index does).
        range(e.code, { lo: e.value, hi: e.value });
        sortOn(e.code, e.value, e.value);
        break;
      case 'quantity':
        range(e.code, { lo: e.value, hi: e.value, s: e.system, u: e.unit });
        sortOn(e.code, e.value, e.value);
        break;
      case 'uri':
        k.add(key.uri(e.code, e.value));
        sortOn(e.code, e.value, e.value);
        break;
    }
  }
  return { k: [...k], s: [...s], rg, so, cp };
}

/** An empty set of keys, for deleted resources (so no index entry of a deleted resource remains). */
export function noKeys(): SearchKeys {
  return { k: [], s: [], rg: {}, so: {}, cp: {} };
}
