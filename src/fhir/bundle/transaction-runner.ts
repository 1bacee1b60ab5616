import type { Bundle } from '@medplum/fhirtypes';
import { FhirError, issue } from '../../kernel/errors';
import type { FhirStore } from '../../store/store';
import type { FhirResponse } from '../rest/fhir-request';
import { entryContext, type RequestContext } from '../rest/request-context';
import type { AllowedRequest } from '../rest/router';
import type { ServerContext } from '../rest/server-context';
import type { BundlePlan, PlannedEntry } from './bundle-plan';
import { entryLabel, transactionOrder } from './bundle-plan';
import { successEntry } from './bundle-response';
import { resolveConditionalReferences } from './conditional-references';
import { decideEntry, nameEntry, runEntry, type EntryRouter } from './entry-request';
import { findMatches } from './find-matches';
import { ResponseBudget, responseTooLarge } from './response-budget';
import type { IdentityMap } from './reference-rewrite';
import { rewriteEntryQuery, rewriteEntryReferences } from './reference-rewrite';

function entryFailure(entry: PlannedEntry, status: number, code: 'invalid' | 'multiple-matches' | 'duplicate', message: string): FhirError {
  return new FhirError(status, [issue(code, `${entryLabel(entry)}: ${message}`, `Bundle.entry[${entry.index}]`)]);
}

/** "Type" or "Type/id" of an entry URL; anything deeper (history, operations) has no identity of its own. */
function target(entry: PlannedEntry): { type: string; id?: string } | undefined {
  const parts = entry.path.split('/');
  if (parts.length === 1) return { type: parts[0] };
  if (parts.length === 2) return { type: parts[0], id: parts[1] };
  return undefined;
}

async function single(ctx: ServerContext, tx: FhirStore, entry: PlannedEntry, type: string, criteria: URLSearchParams): Promise<string | undefined> {
  let found;
  try {
    found = await findMatches(ctx, tx, type, criteria);
  } catch (e) {
    if (e instanceof FhirError) throw nameEntry(entry, e);
    throw e;
  }
  if (found.length > 1) throw entryFailure(entry, 412, 'multiple-matches', 'the conditional criteria match several resources');
  return found[0]?.id;
}

/**
 * Decides the server identity of every POST and PUT entry before any of them runs, so that references
 * between entries can be rewritten up front. POSTs get a fresh id unless their ifNoneExist matches one
 * resource; conditional PUTs take the id of their single match (or a fresh one).
 */
async function resolveIdentities(ctx: ServerContext, tx: FhirStore, entries: PlannedEntry[]) {
  const identities: IdentityMap = new Map();
  const assigned = new Map<number, string>();
  for (const entry of entries) {
    if (entry.method !== 'POST' && entry.method !== 'PUT' && entry.method !== 'PATCH') continue;
    const t = target(entry);
    if (!t) continue;
    let id = t.id;
    if (entry.method === 'POST') {
      if (t.id) throw entryFailure(entry, 400, 'invalid', 'a create must be POSTed to the type, not to an id');
      const ifNoneExist = entry.headers['if-none-exist'];
      id = ifNoneExist ? await single(ctx, tx, entry, t.type, new URLSearchParams(ifNoneExist.replace(/^[^?]*\?/, ''))) : undefined;
      if (!id) assigned.set(entry.index, (id = ctx.ids.next()));
    } else if (!id && entry.method === 'PUT') {
      id = await single(ctx, tx, entry, t.type, entry.query);
      // No match: the update handler creates with the body's id if it has one, else a server id.
      if (!id) id = entry.resource?.id ?? ctx.ids.next();
      if (id !== entry.resource?.id) assigned.set(entry.index, id);
    }
    if (entry.fullUrl && id) identities.set(entry.fullUrl, `${t.type}/${id}`);
  }
  return { identities, assigned };
}

/** R4: a resource identity may appear in only one of the DELETE, POST and PUT/PATCH steps. */
function checkOverlap(entries: PlannedEntry[], identities: IdentityMap): void {
  const owner = new Map<string, PlannedEntry>();
  for (const entry of entries) {
    if (entry.method === 'GET' || entry.method === 'HEAD') continue;
    const t = target(entry);
    const identity = t?.id ? `${t.type}/${t.id}` : entry.fullUrl ? identities.get(entry.fullUrl) : undefined;
    if (!identity) continue;
    const first = owner.get(identity);
    if (first) {
      throw entryFailure(entry, 400, 'duplicate', `${identity} is also the target of ${entryLabel(first)}; a transaction may change a resource once`);
    }
    owner.set(identity, entry);
  }
}

/** The create handler takes its id from ctx.ids: hand it the one already written into references. */
function withId(ctx: RequestContext, id: string | undefined): RequestContext {
  return id === undefined ? ctx : { ...ctx, ids: { next: () => id } };
}

function checkAssigned(entry: PlannedEntry, response: FhirResponse, id: string | undefined): void {
  if (id === undefined || response.status !== 201) return;
  const location = Object.entries(response.headers).find(([k]) => k.toLowerCase() === 'location')?.[1] ?? '';
  if (!location.includes(`/${id}`)) throw new Error(`${entryLabel(entry)}: created resource does not carry the assigned id ${id}`);
}

/**
 * Whether an entry is a single store write by identity: a POST to a type without ifNoneExist, or a PUT or
 * DELETE of Type/id. Such entries of one step may run at once: R4 leaves the order within a step to the
 * server, their identities differ (checkOverlap) and none reads what another writes. With a writer thread,
 * their writes then travel together instead of waiting for each other's round trip.
 */
function independent(entry: PlannedEntry): boolean {
  if ([...entry.query.keys()].length > 0) return false;
  const parts = entry.path.split('/');
  if (entry.method === 'POST') return parts.length === 1 && !entry.headers['if-none-exist'];
  if (entry.method === 'PUT' || entry.method === 'DELETE') return parts.length === 2 && !parts[1].startsWith('$');
  return false;
}

/**
 * Independent entries run together at most this many at a time: enough for their writes to travel to the
 * writer thread in large batches, few enough that the intermediate state of each write in flight (request,
 * validation, index entries) stays small; run all at once, 50,000 entries held ~350 MB of it at the peak.
 */
const MAX_TOGETHER = 256;

/**
 * Runs the entries in order, except that consecutive independent entries of the same method run together
 * (MAX_TOGETHER at a time). On failure, the first failing entry in order is the transaction's error.
 */
async function runInOrder(entries: PlannedEntry[], run: (entry: PlannedEntry) => Promise<FhirResponse>, responses: Map<number, FhirResponse>): Promise<void> {
  for (let i = 0; i < entries.length; ) {
    let j = i + 1;
    if (independent(entries[i])) {
      const end = Math.min(entries.length, i + MAX_TOGETHER);
      while (j < end && entries[j].method === entries[i].method && independent(entries[j])) j++;
    }
    const settled = await Promise.allSettled(entries.slice(i, j).map(run));
    for (const [k, outcome] of settled.entries()) {
      if (outcome.status === 'rejected') throw outcome.reason;
      responses.set(entries[i + k].index, outcome.value);
    }
    i = j;
  }
}

/**
 * Runs a transaction Bundle inside ONE store transaction: either every entry is written or none is.
 * Order (R4 http.html#trules): DELETE, POST, PUT/PATCH, GET/HEAD; the response keeps the submitted order.
 * A response that would go past maxBundleResponseBytes fails the whole transaction with 413.
 * Every entry is decided (its route, and whether the caller may do it) before the store transaction opens:
 * one refused entry refuses the transaction with nothing read or written. Entries then run under their own
 * context (entryContext: the transaction view as store, the same caller, one level deeper).
 */
export async function runTransaction(ctx: RequestContext, plan: BundlePlan, router: EntryRouter): Promise<Bundle> {
  if (!ctx.store.supportsTransactions) {
    throw new FhirError(501, [issue('not-supported', `The ${ctx.store.backend} store cannot run all-or-nothing transactions; nothing was written. Send a batch Bundle instead.`, 'Bundle.type')]);
  }
  const responses = new Map<number, FhirResponse>();
  const budget = new ResponseBudget(ctx.config.maxBundleResponseBytes);
  const counted = (entry: PlannedEntry, response: FhirResponse): FhirResponse => {
    // Thrown inside the store transaction: it rolls back and nothing is written.
    if (!budget.take(entry, response)) throw responseTooLarge(budget.limit, 'Transaction not applied');
    return response;
  };
  const ordered = transactionOrder(plan.entries);
  const decided = entryContext(ctx);
  const allowed = new Map<number, AllowedRequest>(ordered.map((entry) => [entry.index, decideEntry(decided, entry, router)]));
  const run = (entryCtx: RequestContext, entry: PlannedEntry) => runEntry(entryCtx, entry, allowed.get(entry.index) as AllowedRequest);
  await ctx.store.transaction(async (tx) => {
    const entryCtx = entryContext(ctx, tx);
    await runInOrder(ordered.filter((e) => e.method === 'DELETE'), async (entry) => counted(entry, await run(entryCtx, entry)), responses);
    const rest = ordered.filter((e) => e.method !== 'DELETE');
    const { identities, assigned } = await resolveIdentities(entryCtx, tx, rest);
    checkOverlap(ordered, identities);
    for (const entry of rest) {
      rewriteEntryQuery(entry, identities);
      rewriteEntryReferences(entry, identities);
      await resolveConditionalReferences(entryCtx, tx, entry);
    }
    await runInOrder(rest, async (entry) => {
      const id = assigned.get(entry.index);
      const response = await run(withId(entryCtx, id), entry);
      checkAssigned(entry, response, id);
      return counted(entry, response);
    }, responses);
  });
  return {
    resourceType: 'Bundle',
    type: 'transaction-response',
    entry: plan.entries.map((entry) => successEntry(responses.get(entry.index) as FhirResponse, ctx.config.baseUrl)),
  };
}
