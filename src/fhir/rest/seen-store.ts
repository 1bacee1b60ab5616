import type { SearchRequest, SearchResult } from '../search/search-request';
import { DelegatingStore } from '../../store/delegating-store';
import type { FhirStore, HistoryPage, HistoryQuery, VersionRecord } from '../../store/store';

/** Most records one request's audit names; a search page past it is summarised by its query. */
export const MAX_SEEN = 100;

/**
 * The records one request's route received from the store or wrote (after the access decision confined
 * them): what its audit record names as entities and patients. Keeps references only; bounded.
 */
export class SeenRecords {
  readonly records: VersionRecord[] = [];

  add(record: VersionRecord | undefined): void {
    if (record && this.records.length < MAX_SEEN) this.records.push(record);
  }

  wrap(store: FhirStore): FhirStore {
    return new SeenStore(store, this);
  }
}

class SeenStore extends DelegatingStore {
  constructor(inner: FhirStore, private readonly seen: SeenRecords) {
    super(inner);
  }

  protected wrap(store: FhirStore): FhirStore {
    return new SeenStore(store, this.seen);
  }

  override async create(...args: Parameters<FhirStore['create']>): Promise<VersionRecord> {
    const record = await this.inner.create(...args);
    this.seen.add(record);
    return record;
  }

  override async update(...args: Parameters<FhirStore['update']>): Promise<{ record: VersionRecord; created: boolean }> {
    const result = await this.inner.update(...args);
    this.seen.add(result.record);
    return result;
  }

  override async delete(...args: Parameters<FhirStore['delete']>): Promise<VersionRecord | undefined> {
    const record = await this.inner.delete(...args);
    this.seen.add(record);
    return record;
  }

  override async read(resourceType: string, id: string): Promise<VersionRecord | undefined> {
    const record = await this.inner.read(resourceType, id);
    this.seen.add(record);
    return record;
  }

  override async vread(resourceType: string, id: string, versionId: string): Promise<VersionRecord | undefined> {
    const record = await this.inner.vread(resourceType, id, versionId);
    this.seen.add(record);
    return record;
  }

  override async history(query: HistoryQuery): Promise<HistoryPage> {
    const page = await this.inner.history(query);
    for (const r of page.entries) this.seen.add(r);
    return page;
  }

  override async search(request: SearchRequest): Promise<SearchResult> {
    const result = await this.inner.search(request);
    for (const r of result.entries) this.seen.add(r);
    for (const r of result.included) this.seen.add(r);
    return result;
  }
}
