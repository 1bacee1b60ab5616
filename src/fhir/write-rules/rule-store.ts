import type { Resource } from '@medplum/fhirtypes';
import type { SearchRequest, SearchResult } from '../search/search-request';
import type { ClaimHolder, ClaimsBackfill, FhirStore, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from '../../store/store';
import type { WriteRule } from './write-rule';

type Stored = Resource & { id: string };

/**
 * The store with write rules in front of its creates and updates: each rule checks the resource and names
 * the keys it claims; keys held by another record refuse the write (the rule's 409) unless the rule lets the
 * two share them, in which case the holder keeps the key. The store then writes the resource and its claims
 * together, and refuses the write itself when a concurrent writer took a key in between. Transaction views
 * are wrapped too, so every write path passes the rules.
 */
export function withWriteRules(store: FhirStore, rules: readonly WriteRule[]): FhirStore {
  if (rules.length === 0) return store;
  const byType = new Map<string, WriteRule[]>();
  for (const rule of rules) for (const type of rule.resourceTypes) byType.set(type, [...(byType.get(type) ?? []), rule]);
  return new RuleStore(store, byType);
}

class RuleStore implements FhirStore {
  constructor(
    private readonly inner: FhirStore,
    private readonly rules: ReadonlyMap<string, WriteRule[]>,
  ) {}

  get backend(): FhirStore['backend'] {
    return this.inner.backend;
  }

  get supportsTransactions(): boolean {
    return this.inner.supportsTransactions;
  }

  get claimsBackfill(): ClaimsBackfill | undefined {
    return this.inner.claimsBackfill;
  }

  async create(resource: Stored, options?: WriteOptions): Promise<VersionRecord> {
    return this.inner.create(resource, await this.withClaims(resource, options));
  }

  async update(resource: Stored, options?: WriteOptions): Promise<{ record: VersionRecord; created: boolean }> {
    return this.inner.update(resource, await this.withClaims(resource, options));
  }

  delete(resourceType: string, id: string, options?: WriteOptions): Promise<VersionRecord | undefined> {
    return this.inner.delete(resourceType, id, options);
  }

  read(resourceType: string, id: string): Promise<VersionRecord | undefined> {
    return this.inner.read(resourceType, id);
  }

  vread(resourceType: string, id: string, versionId: string): Promise<VersionRecord | undefined> {
    return this.inner.vread(resourceType, id, versionId);
  }

  history(query: HistoryQuery): Promise<HistoryPage> {
    return this.inner.history(query);
  }

  search(request: SearchRequest): Promise<SearchResult> {
    return this.inner.search(request);
  }

  claimHolders(keys: readonly string[]): Promise<ClaimHolder[]> {
    return this.inner.claimHolders(keys);
  }

  transaction<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => fn(new RuleStore(tx, this.rules)));
  }

  ready(): Promise<void> {
    return this.inner.ready?.() ?? Promise.resolve();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The write options with the claims the rules ask for (undefined claims for types no rule covers). */
  private async withClaims(resource: Stored, options: WriteOptions = {}): Promise<WriteOptions> {
    const rules = this.rules.get(resource.resourceType);
    if (!rules) return options;
    const wanted = rules.flatMap((rule) => rule.check(resource).map((claim) => ({ rule, claim })));
    const holders = wanted.length > 0 ? await this.inner.claimHolders(wanted.map((w) => w.claim.key)) : [];
    const holderOf = new Map(holders.map((h) => [h.key, h]));
    const claims: string[] = [];
    for (const { rule, claim } of wanted) {
      const holder = holderOf.get(claim.key);
      if (holder && !(holder.resourceType === resource.resourceType && holder.id === resource.id)) {
        const record = await this.inner.read(holder.resourceType, holder.id);
        const current = record && !record.deleted ? (record.resource as Stored) : undefined;
        // A holder left without a live resource is the store's to resolve; a linked one keeps the key.
        if (current && rule.mayShare?.(resource, current)) continue;
        if (current) throw claim.conflict(`${holder.resourceType}/${holder.id}`);
      }
      claims.push(claim.key);
    }
    return { ...options, claims };
  }
}
