import type { ClientSession, Collection, Db, Document } from 'mongodb';
import type { Resource } from '@medplum/fhirtypes';
import type { Definitions } from '../../fhir/conformance/definitions';
import type { Extractor } from '../../fhir/search/extract';
import { ESTIMATED_TOTAL_CAP, type SearchFilter, type SearchRequest, type SearchResult } from '../../fhir/search/search-request';
import type { Clock } from '../../kernel/clock';
import { conflict, FhirError, preconditionFailed } from '../../kernel/errors';
import type { ClaimHolder, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from '../store';
import { Claims, type ClaimDoc } from './claims';
import { compileSearch, type CompiledSearch } from './compile-search';
import { cursorKeys } from './keyset';
import {
  isDuplicateKey, RECORD_PROJECTION, resourceKey, toRecord, versionKey, type ResourceDoc, type VersionDoc,
} from './documents';
import { runHistory } from './history';
import { findIncluded, MAX_INCLUDED, resolveChain } from './joins';
import { noKeys, searchKeys } from './search-keys';
import { checkSearchLimits } from '../../fhir/search/search-limits';
import { readJson } from '../../kernel/json/read-json';
import { writeJson } from '../../kernel/json/write-json';

type StoredResource = Resource & { id: string };

/** A version left behind by a writer that died between its two steps is applied by the next writer after this. */
const ROLL_FORWARD_AFTER_MS = 5000;
/** Plain updates (no If-Match) that lose a race re-read and try again, this many times. */
const MAX_ATTEMPTS = 20;

/** Thrown when another writer inserted the version number first. */
class VersionTaken extends Error {}

/** What a write changed, so that a nested transaction inside a MongoDB transaction can be undone. */
export interface UndoStep {
  versionId: string;
  previous: ResourceDoc | null;
  key: string;
}

export interface RepositoryContext {
  db: Db;
  definitions: Definitions;
  extractor: Extractor;
  clock: Clock;
}

/**
 * Every store operation, optionally inside a MongoDB session transaction. A write is two steps:
 *   1. insert the version document (unique `_id` Type/id/version: only one writer gets each number), then
 *   2. replace the current document, filtered on the previous version.
 * A loser of step 1 gets 412 (If-Match), 409 (create) or re-reads and retries (plain update/delete).
 */
export class Repository {
  readonly resources: Collection<ResourceDoc>;
  readonly versions: Collection<VersionDoc>;
  private readonly claims: Claims;

  constructor(
    readonly ctx: RepositoryContext,
    private readonly session?: ClientSession,
    private readonly undo?: UndoStep[],
  ) {
    this.resources = ctx.db.collection<ResourceDoc>('resources');
    this.versions = ctx.db.collection<VersionDoc>('versions');
    this.claims = new Claims(ctx.db.collection<ClaimDoc>('claims'), this.resources, ctx.clock, session);
  }

  /** A repository writing through the same session that records its writes in `undo`. */
  withUndo(undo: UndoStep[]): Repository {
    return new Repository(this.ctx, this.session, undo);
  }

  async read(type: string, id: string): Promise<VersionRecord | undefined> {
    const doc = await this.current(type, id);
    return doc ? toRecord(doc) : undefined;
  }

  async vread(type: string, id: string, versionId: string): Promise<VersionRecord | undefined> {
    if (!/^[1-9][0-9]{0,15}$/.test(versionId)) return undefined;
    const doc = await this.versions.findOne({ _id: versionKey(type, id, Number(versionId)) }, { session: this.session });
    return doc ? toRecord(doc) : undefined;
  }

  history(query: HistoryQuery): Promise<HistoryPage> {
    return runHistory(this.versions, query, this.session);
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    checkSearchLimits(request);
    const chains = new Map<SearchFilter, Document>();
    for (const filter of request.filters) {
      if (filter.chain?.length) chains.set(filter, await resolveChain(this.resources, filter, request.resourceTypes, this.session));
    }
    const page = await this.searchPage(request, compileSearch(this.ctx.definitions, request, chains));
    if (!request.include?.length && !request.revinclude?.length) return page;
    const found = await findIncluded(
      this.resources, this.ctx.definitions, page.entries.map((e) => ({ type: e.resourceType, id: e.id })),
      request.include ?? [], request.revinclude ?? [], this.session,
    );
    if (found.ids.length > 0) {
      const docs = await this.resources.find({ _id: { $in: found.ids } }, { session: this.session, projection: RECORD_PROJECTION }).toArray();
      const byId = new Map(docs.map((d) => [String(d._id), d]));
      page.included = found.ids.flatMap((id) => (byId.has(id) ? [toRecord(byId.get(id)!)] : []));
    }
    if (found.truncated) page.warnings = [`Included resources were limited to ${MAX_INCLUDED} for this page`];
    return page;
  }

  private async searchPage(request: SearchRequest, compiled: CompiledSearch): Promise<SearchResult> {
    // accurate (and _summary=count) counts every match; estimate is settled after the page (see estimatedTotal).
    const wantTotal = request.total === 'accurate' || request.count === 0;
    const opts = { session: this.session };
    const skip = request.cursor ? 0 : request.offset;
    // Parameter sort keys live in `so`; keep it when the cursors need them.
    const sortsOnKeys = compiled.fields.some((f) => f.presence !== undefined);
    const projection = compiled.check ? { k: 0, s: 0, ...(sortsOnKeys ? {} : { so: 0 }) } : sortsOnKeys ? { k: 0, s: 0, rg: 0, cp: 0 } : RECORD_PROJECTION;
    let docs: Document[];
    let total: number | undefined;
    if (!compiled.check) {
      total = wantTotal ? await this.resources.countDocuments(compiled.filter, opts) : undefined;
      if (request.count === 0) return { entries: [], included: [], total, hasMore: false };
      docs = await this.resources.find(compiled.pageFilter, { ...opts, projection })
        .sort(compiled.sort).skip(skip).limit(request.count + 1).toArray();
    } else {
      // Some filter needs same-entry checks: page in process over the index-narrowed candidates.
      docs = [];
      let matched = 0;
      const cursor = this.resources.find(compiled.pageFilter, { ...opts, projection }).sort(compiled.sort);
      for await (const doc of cursor) {
        if (!compiled.check(doc)) continue;
        matched++;
        if (matched <= skip) continue;
        if (docs.length <= request.count) docs.push(doc);
        else if (!wantTotal || request.cursor) break;
      }
      await cursor.close();
      if (wantTotal) {
        total = request.cursor ? await this.countChecked(compiled) : matched;
      }
      if (request.count === 0) return { entries: [], included: [], total, hasMore: false };
    }
    const extra = docs.length > request.count;
    const pageDocs = extra ? docs.slice(0, request.count) : docs;
    if (compiled.reverse) pageDocs.reverse();
    const page: SearchResult = { entries: pageDocs.map((d) => toRecord(d as ResourceDoc)), included: [], hasMore: false };
    // Forward: an extra document means a next page. Backward (a previous link): an extra document means
    // another previous page, and the page we came from always follows.
    const hasNext = compiled.reverse ? pageDocs.length > 0 : extra;
    const hasPrevious = compiled.reverse ? extra : request.cursor !== undefined || request.offset > 0;
    const first = pageDocs[0];
    const last = pageDocs.at(-1);
    if (hasNext && last) page.next = { keys: cursorKeys(compiled.fields, last), after: true };
    if (hasPrevious && first) page.previous = { keys: cursorKeys(compiled.fields, first), after: false };
    page.hasMore = hasNext;
    if (request.total === 'estimate') total = await this.estimatedTotal(request, compiled, pageDocs.length, extra);
    if (total !== undefined) page.total = total;
    return page;
  }

  /** A page holding the last match gives the count; otherwise count up to the cap (more: no total). */
  private async estimatedTotal(request: SearchRequest, compiled: CompiledSearch, pageSize: number, extra: boolean): Promise<number | undefined> {
    if (!request.cursor && !extra && (request.offset === 0 || pageSize > 0)) return request.offset + pageSize;
    const limit = ESTIMATED_TOTAL_CAP + 1;
    const n = compiled.check
      ? await this.countChecked(compiled, limit)
      : await this.resources.countDocuments(compiled.filter, { session: this.session, limit });
    return n <= ESTIMATED_TOTAL_CAP ? n : undefined;
  }

  private async countChecked(compiled: CompiledSearch, limit = Infinity): Promise<number> {
    let n = 0;
    const cursor = this.resources.find(compiled.filter, { session: this.session, projection: { rg: 1, cp: 1 } });
    for await (const doc of cursor) if (compiled.check!(doc) && ++n >= limit) break;
    await cursor.close();
    return n;
  }

  claimHolders(keys: readonly string[]): Promise<ClaimHolder[]> {
    return this.claims.holders(keys);
  }

  /** ClaimsBackfill.addClaims: takes the free keys for a current resource, reports the others' holders. */
  async addClaims(type: string, id: string, keys: readonly string[]): Promise<ClaimHolder[]> {
    const cur = await this.current(type, id);
    if (!cur || cur.deleted) return [];
    const others: ClaimHolder[] = [];
    for (const key of new Set(keys)) {
      try {
        await this.claims.take(type, id, [key]);
      } catch (err) {
        if (!(err instanceof FhirError) || err.status !== 409) throw err;
        others.push(...(await this.claims.holders([key])).filter((h) => h.resourceType !== type || h.id !== id));
      }
    }
    return others;
  }

  async create(resource: StoredResource, options: WriteOptions = {}): Promise<VersionRecord> {
    const type = resource.resourceType;
    if (await this.current(type, resource.id)) throw conflict(`${type}/${resource.id} already exists`);
    if (options.ifMatch !== undefined) throw conflict(`${type}/${resource.id} does not exist`);
    return this.claiming(type, resource.id, options.claims, async () => {
      try {
        return await this.commit(undefined, type, resource.id, resource, options.method ?? 'POST');
      } catch (err) {
        if (err instanceof VersionTaken) throw conflict(`${type}/${resource.id} already exists`);
        throw err;
      }
    });
  }

  async update(resource: StoredResource, options: WriteOptions = {}): Promise<{ record: VersionRecord; created: boolean }> {
    return this.claiming(resource.resourceType, resource.id, options.claims, () => this.updateVersion(resource, options));
  }

  /** Runs a write holding `claims` (taken before, given back if it fails, the resource's others released after). */
  private async claiming<T>(type: string, id: string, claims: readonly string[] | undefined, write: () => Promise<T>): Promise<T> {
    if (claims === undefined) return write();
    const taken = await this.claims.take(type, id, claims);
    let result: T;
    try {
      result = await write();
    } catch (err) {
      if (!this.session) await this.claims.giveBack(taken).catch(() => undefined);
      throw err;
    }
    await this.claims.keepOnly(type, id, claims);
    return result;
  }

  private async updateVersion(resource: StoredResource, options: WriteOptions): Promise<{ record: VersionRecord; created: boolean }> {
    const type = resource.resourceType;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const cur = await this.current(type, resource.id);
      if (options.ifMatch !== undefined) checkIfMatch(type, resource.id, cur, options.ifMatch);
      try {
        const record = await this.commit(cur, type, resource.id, resource, options.method ?? 'PUT');
        return { record, created: !cur || cur.deleted };
      } catch (err) {
        if (!(err instanceof VersionTaken)) throw err;
        if (options.ifMatch !== undefined && options.ifMatch !== '*') throw preconditionFailed(`${type}/${resource.id} was changed concurrently`);
      }
    }
    throw conflict(`${type}/${resource.id} is being written by others; try again`);
  }

  async delete(type: string, id: string, options: WriteOptions = {}): Promise<VersionRecord | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const cur = await this.current(type, id);
      if ((!cur || cur.deleted) && options.ifMatch !== '*') return undefined;
      if (options.ifMatch !== undefined) checkIfMatch(type, id, cur, options.ifMatch);
      try {
        const record = await this.commit(cur, type, id, undefined, options.method ?? 'DELETE');
        await this.claims.keepOnly(type, id, []);
        return record;
      } catch (err) {
        if (!(err instanceof VersionTaken)) throw err;
        if (options.ifMatch !== undefined && options.ifMatch !== '*') throw preconditionFailed(`${type}/${id} was changed concurrently`);
      }
    }
    throw conflict(`${type}/${id} is being written by others; try again`);
  }

  private current(type: string, id: string): Promise<ResourceDoc | null> {
    return this.resources.findOne({ _id: resourceKey(type, id) }, { session: this.session });
  }

  private async commit(
    cur: ResourceDoc | null | undefined, type: string, id: string, resource: StoredResource | undefined,
    method: VersionRecord['method'],
  ): Promise<VersionRecord> {
    const version = (cur?.version ?? 0) + 1;
    const now = this.ctx.clock.now().getTime();
    // Always after the previous version, even when another process's clock lags.
    const lastUpdated = cur ? Math.max(now, cur.lastUpdated + 1) : now;
    let content: string | null = null;
    let stored: StoredResource | undefined;
    if (resource) {
      stored = { ...resource, meta: { ...resource.meta, versionId: String(version), lastUpdated: new Date(lastUpdated).toISOString() } };
      content = writeJson(stored);
    }
    const versionDoc: VersionDoc = {
      _id: versionKey(type, id, version), type, id, version, lastUpdated, deleted: !resource, method, content,
    };
    try {
      await this.versions.insertOne(versionDoc, { session: this.session });
    } catch (err) {
      if (!isDuplicateKey(err) || this.session) throw err;
      await this.rollForward(cur ?? null, type, id, version);
      throw new VersionTaken();
    }
    const keys = stored ? searchKeys(this.ctx.extractor.extract(stored)) : noKeys();
    const doc: ResourceDoc = { ...versionDoc, _id: resourceKey(type, id), ...keys };
    await this.applyCurrent(cur ?? null, doc);
    this.undo?.push({ versionId: versionDoc._id, previous: cur ?? null, key: doc._id });
    return toRecord(versionDoc);
  }

  /** Step 2: the current document moves from `cur` to `doc` (idempotent: a helper may have done it). */
  private async applyCurrent(cur: ResourceDoc | null, doc: ResourceDoc): Promise<void> {
    const opts = { session: this.session };
    if (cur) {
      await this.resources.replaceOne({ _id: doc._id, version: cur.version }, doc, opts);
      return;
    }
    try {
      await this.resources.insertOne(doc, opts);
    } catch (err) {
      if (!isDuplicateKey(err) || this.session) throw err;
    }
  }

  /**
   * A version number was taken. If its writer died before step 2 (the current document is still at the
   * version before, long after), finish its write so the resource does not stay stuck.
   */
  private async rollForward(cur: ResourceDoc | null, type: string, id: string, version: number): Promise<void> {
    const orphan = await this.versions.findOne({ _id: versionKey(type, id, version) });
    const fresh = await this.current(type, id);
    if (!orphan || (fresh?.version ?? 0) !== version - 1) return;
    if (this.ctx.clock.now().getTime() - orphan.lastUpdated < ROLL_FORWARD_AFTER_MS) return;
    const keys = orphan.content ? searchKeys(this.ctx.extractor.extract(readJson(orphan.content) as Resource)) : noKeys();
    await this.applyCurrent(fresh ?? cur, { ...orphan, _id: resourceKey(type, id), ...keys });
  }

  /** Undoes writes recorded in `steps` (newest first), inside the still-open MongoDB transaction. */
  async revert(steps: UndoStep[]): Promise<void> {
    const opts = { session: this.session };
    for (const step of [...steps].reverse()) {
      await this.versions.deleteOne({ _id: step.versionId }, opts);
      if (step.previous) await this.resources.replaceOne({ _id: step.key }, step.previous, opts);
      else await this.resources.deleteOne({ _id: step.key }, opts);
    }
  }
}

/**
 * If-Match accepts the bare versionId and tolerates the ETag form W/"n". `*` (RFC 9110) matches any current
 * version, and fails with 412 when there is none.
 */
function checkIfMatch(type: string, id: string, cur: ResourceDoc | null, ifMatch: string): void {
  if (ifMatch === '*') {
    if (!cur || cur.deleted) throw preconditionFailed(`${type}/${id} does not exist, so If-Match: * does not match`);
    return;
  }
  if (!cur || cur.deleted) throw conflict(`${type}/${id} does not exist, so If-Match cannot match`);
  const expected = ifMatch.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  if (expected !== String(cur.version)) throw preconditionFailed(`${type}/${id} is at version ${cur.version}, not ${expected}`);
}
