import type { Resource } from '@medplum/fhirtypes';
import type { SearchRequest, SearchResult } from '../fhir/search/search-request';

/** One stored version of a resource. A deletion is a version too (`deleted: true`, no resource). */
export interface VersionRecord {
  resourceType: string;
  id: string;
  /** "1", "2", ... assigned by the store, one more than the previous version. */
  versionId: string;
  /** FHIR instant (ISO 8601 with milliseconds and zone) assigned by the store. */
  lastUpdated: string;
  deleted: boolean;
  /** The resource with `meta.versionId` and `meta.lastUpdated` filled in; absent for a deletion. */
  resource?: Resource;
  /** How this version came to be, for history entries' `request.method`. */
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /**
   * Optional: `resource` as the backend stored it, exactly `JSON.stringify(resource)` (meta included), so a
   * read can answer without parsing and re-serialising. Backends that set it do so non-enumerably.
   */
  readonly json?: string;
}

export interface WriteOptions {
  /** Expected current versionId (from If-Match); a mismatch fails with 412 and writes nothing. */
  ifMatch?: string;
  /** How the version came to be; defaults to POST for create, PUT for update, DELETE for delete. */
  method?: VersionRecord['method'];
  /**
   * The unique keys (claims, e.g. `ins|<system>|<value>`) the resource holds once this create or update is
   * written, replacing those it held before; [] releases them all, undefined leaves them as they are. The
   * write fails with 409, writing nothing, when another resource holds one of them; two concurrent writes
   * claiming one key cannot both succeed. A deletion always releases the resource's claims.
   */
  claims?: readonly string[];
}

/** Who holds a claimed key. */
export interface ClaimHolder {
  key: string;
  resourceType: string;
  id: string;
}

export interface HistoryQuery {
  /** Absent for system-level history. */
  resourceType?: string;
  /** Absent for type-level history. */
  id?: string;
  /** Only versions written at or after this instant (`_since`). ISO instant. */
  since?: string;
  /** Only the version current at this instant, for each resource. ISO instant. */
  at?: string;
  count: number;
  offset: number;
}

export interface HistoryPage {
  /** Newest first. */
  entries: VersionRecord[];
  /** Total number of versions matching the query (for Bundle.total). */
  total: number;
}

/** What a start-up backfill of claims needs from the store, outside any resource write. */
export interface ClaimsBackfill {
  /** Whether the backfill `name` (one per rule version) has completed on this store. */
  isDone(name: string): Promise<boolean>;
  markDone(name: string): Promise<void>;
  /**
   * Gives the current resource `resourceType/id` those of `keys` nobody holds (no version is written);
   * returns the holders of the others, when they are other resources. Nothing for a missing or deleted one.
   */
  addClaims(resourceType: string, id: string, keys: readonly string[]): Promise<ClaimHolder[]>;
}

/**
 * The storage port. Backends (embedded SQLite, MongoDB) implement it and all pass store.contract.ts.
 * The store owns versioning: it assigns versionId and lastUpdated and detects conflicting writes.
 * Validation, ids for creates and FHIR semantics live above it (rest/, bundle/).
 */
export interface FhirStore {
  readonly backend: 'embedded' | 'mongo';
  /** Whether transaction() is all-or-nothing. A store that cannot promise it refuses transaction Bundles. */
  readonly supportsTransactions: boolean;
  /** Optional: resource types this store only reads (writes answer 405), for the CapabilityStatement. */
  readonly readOnlyTypes?: ReadonlySet<string>;

  /** Stores version 1 of a resource whose id the caller assigned. 409 if that id already exists. */
  create(resource: Resource & { id: string }, options?: WriteOptions): Promise<VersionRecord>;
  /**
   * Stores the next version (or version 1 when the id is unknown or deleted: update-as-create).
   * With ifMatch, 412 unless it names the current version (409 when the resource does not exist).
   */
  update(resource: Resource & { id: string }, options?: WriteOptions): Promise<{ record: VersionRecord; created: boolean }>;
  /** Writes a deletion version. Returns undefined when there was nothing to delete (unknown or already deleted). */
  delete(resourceType: string, id: string, options?: WriteOptions): Promise<VersionRecord | undefined>;
  /** The newest version (possibly a deletion), or undefined if the id was never used. */
  read(resourceType: string, id: string): Promise<VersionRecord | undefined>;
  vread(resourceType: string, id: string, versionId: string): Promise<VersionRecord | undefined>;
  history(query: HistoryQuery): Promise<HistoryPage>;
  /** Current, non-deleted resources matching the request. */
  search(request: SearchRequest): Promise<SearchResult>;
  /** The holders of those of `keys` that some resource claims (see WriteOptions.claims), in no particular order. */
  claimHolders(keys: readonly string[]): Promise<ClaimHolder[]>;
  /**
   * Runs fn with a store view whose reads see its own writes and whose writes are committed together when
   * fn resolves, or not at all when it throws (even if the process dies midway). Writes from elsewhere wait.
   */
  transaction<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T>;
  /** Optional: claims of resources written before a write rule existed (see src/fhir/write-rules/backfill-claims.ts). */
  readonly claimsBackfill?: ClaimsBackfill;
  /** Optional: rejects when the store cannot serve writes any more (its writer stopped), for readiness checks. */
  ready?(): Promise<void>;
  close(): Promise<void>;
}
