import type { ClientSession, Collection, Document } from 'mongodb';
import type { ResourceDoc } from './documents';
import type { Definitions } from '../../fhir/conformance/definitions';
import type { IncludeRule, SearchFilter } from '../../fhir/search/search-request';
import { FhirError, issue } from '../../kernel/errors';
import { compileFilter } from './compile-filter';
import { key, SEP, type SearchKeys } from './search-keys';

/** Included resources per page, as on the embedded store. */
export const MAX_INCLUDED = 1000;
/** Rounds of `:iterate` after the first one. */
const ITERATE_ROUNDS = 3;
/** Resources one chain step may carry to the next; beyond it the search is refused rather than slow. */
const MAX_CHAIN_IDS = 50_000;

interface KeyDoc {
  _id: string;
  type: string;
  id: string;
  k?: string[];
  rg?: SearchKeys['rg'];
  cp?: SearchKeys['cp'];
}

const typeIn = (types: readonly string[]): Document => ({ type: types.length === 1 ? types[0] : { $in: [...types] } });
const refPrefix = (code: string) => `rt${SEP}${code}${SEP}`;

/** Targets (`Type/id`) of the typed reference keys of `doc` under parameter `code` ('*': every reference parameter). */
function targets(doc: KeyDoc, code: string): string[] {
  const prefix = code === '*' ? `rt${SEP}` : refPrefix(code);
  return (doc.k ?? []).filter((k) => k.startsWith(prefix)).map((k) => k.slice(k.lastIndexOf(SEP) + 1));
}

/**
 * A chained (`subject:Patient.name=x`) or reverse-chained (`_has:Observation:subject:code=x`) filter as a
 * condition on the searched types. Walked from the far end: the resources the final parameter matches, then
 * each link back towards the searched types, each step one query on the `k` index (typed reference keys) or
 * on `_id`.
 */
export async function resolveChain(
  resources: Collection<ResourceDoc>, filter: SearchFilter, types: readonly string[], session?: ClientSession,
): Promise<Document> {
  const links = filter.chain ?? [];
  const levels: (readonly string[])[] = [types];
  for (const link of links) levels.push(link.direction === 'forward' ? link.targetTypes : [link.resourceType]);
  const last = levels[links.length];
  const final = compileFilter({ ...filter, chain: undefined }, last);
  let matched = await find(resources, { $and: [typeIn(last), { deleted: false }, final.condition] }, session);
  if (final.check) matched = matched.filter((d) => final.check!(d));
  for (let i = links.length - 1; ; i--) {
    const link = links[i];
    const condition: Document =
      link.direction === 'forward'
        ? { k: { $in: matched.map((d) => key.refTyped(link.code, d.type, d.id)) } }
        : { _id: { $in: [...new Set(matched.flatMap((d) => targets(d, link.code)))] } };
    if (i === 0) return condition;
    matched = await find(resources, { $and: [typeIn(levels[i]), { deleted: false }, condition] }, session);
  }
}

async function find(resources: Collection<ResourceDoc>, filter: Document, session?: ClientSession): Promise<KeyDoc[]> {
  const docs = (await resources
    .find(filter, { session, projection: { _id: 1, type: 1, id: 1, k: 1, rg: 1, cp: 1 }, limit: MAX_CHAIN_IDS + 1 })
    .toArray()) as unknown as KeyDoc[];
  if (docs.length > MAX_CHAIN_IDS) {
    throw new FhirError(400, [issue('too-costly', `A chained search step matches more than ${MAX_CHAIN_IDS} resources; narrow it`)]);
  }
  return docs;
}

/**
 * `_include` / `_revinclude` for one page: `_id`s of the resources to add (not already in the page), at most
 * MAX_INCLUDED; `:iterate` rules run again over what was added, up to ITERATE_ROUNDS more times.
 */
export async function findIncluded(
  resources: Collection<ResourceDoc>, definitions: Definitions, page: readonly { type: string; id: string }[],
  include: readonly IncludeRule[], revinclude: readonly IncludeRule[], session?: ClientSession,
): Promise<{ ids: string[]; truncated: boolean }> {
  const seen = new Set(page.map((p) => `${p.type}/${p.id}`));
  const out: string[] = [];
  let frontier = [...seen];
  for (let round = 0; round <= ITERATE_ROUNDS && frontier.length > 0; round++) {
    const added: string[] = [];
    const add = (ids: Iterable<string>) => {
      for (const id of ids) {
        if (seen.has(id)) continue;
        seen.add(id);
        added.push(id);
      }
    };
    const forward = include.filter((r) => round === 0 || r.iterate);
    if (forward.length > 0) {
      const sources = (await resources
        .find({ _id: { $in: frontier } } as Document, { session, projection: { _id: 1, type: 1, id: 1, k: 1 } })
        .toArray()) as unknown as KeyDoc[];
      for (const rule of forward) {
        for (const doc of sources.filter((d) => d.type === rule.resourceType)) {
          add(targets(doc, rule.code).filter((t) => !rule.targetType || t.startsWith(`${rule.targetType}/`)));
        }
      }
    }
    for (const rule of revinclude.filter((r) => round === 0 || r.iterate)) {
      const codes = rule.code === '*'
        ? definitions.searchParameters(rule.resourceType).filter((p) => p.type === 'reference').map((p) => p.code as string)
        : [rule.code];
      const pointed = frontier.filter((t) => !rule.targetType || t.startsWith(`${rule.targetType}/`));
      const keys = codes.flatMap((code) => pointed.map((t) => refPrefix(code) + t));
      if (keys.length === 0) continue;
      const docs = await resources
        .find({ type: rule.resourceType, deleted: false, k: { $in: keys } }, { session, projection: { _id: 1 }, limit: MAX_INCLUDED + 1 })
        .toArray();
      add(docs.map((d) => String(d._id)));
    }
    // Only live resources are included; deleted targets are dropped here.
    const live = added.length === 0 ? [] : await resources
      .find({ _id: { $in: added }, deleted: false } as Document, { session, projection: { _id: 1 } })
      .toArray();
    const liveIds = new Set(live.map((d) => String(d._id)));
    frontier = added.filter((id) => liveIds.has(id));
    for (const id of frontier) {
      if (out.length === MAX_INCLUDED) return { ids: out, truncated: true };
      out.push(id);
    }
  }
  return { ids: out, truncated: false };
}
