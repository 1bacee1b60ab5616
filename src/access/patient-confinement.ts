import type { Resource } from '@medplum/fhirtypes';
import type { SearchRequest, SearchResult } from '../fhir/search/search-request';
import type { PatientCompartments } from '../fhir/search/patient-compartment';
import { FhirError, issue } from '../kernel/errors';
import { DelegatingStore } from '../store/delegating-store';
import type { FhirStore, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from '../store/store';

/**
 * The store as a patient-context token sees it: the compartments of its patient's records (and the types
 * outside any patient compartment, such as Organization or Endpoint). Whatever lies outside is as if it did
 * not exist — a read answers 404, a search does not find it and does not count it in `_total`, an include
 * does not bring it — and a write that would put or change something outside is refused (403).
 */
export class PatientConfinedStore extends DelegatingStore {
  constructor(
    inner: FhirStore,
    private readonly ids: () => Promise<readonly string[]>,
    private readonly compartments: PatientCompartments,
  ) {
    super(inner);
  }

  protected wrap(store: FhirStore): FhirStore {
    return new PatientConfinedStore(store, this.ids, this.compartments);
  }

  override async read(resourceType: string, id: string): Promise<VersionRecord | undefined> {
    if (!this.compartments.isCompartmentType(resourceType)) return this.inner.read(resourceType, id);
    const ids = await this.ids();
    if (resourceType === 'Patient' && !ids.includes(id)) return undefined;
    const record = await this.inner.read(resourceType, id);
    return record && (await this.visible(record, ids)) ? record : undefined;
  }

  override async vread(resourceType: string, id: string, versionId: string): Promise<VersionRecord | undefined> {
    if (!this.compartments.isCompartmentType(resourceType)) return this.inner.vread(resourceType, id, versionId);
    const ids = await this.ids();
    if (resourceType === 'Patient' && !ids.includes(id)) return undefined;
    const record = await this.inner.vread(resourceType, id, versionId);
    return record && (await this.visible(record, ids)) ? record : undefined;
  }

  override async search(request: SearchRequest): Promise<SearchResult> {
    const ids = await this.ids();
    const given = request.compartment;
    if (given && (given.resourceType !== 'Patient' || !(given.ids ?? [given.id]).every((id) => ids.includes(id)))) {
      return { entries: [], included: [], hasMore: false, ...(request.total !== 'none' ? { total: 0 } : {}) };
    }
    const confined: SearchRequest = request.resourceTypes.some((t) => this.compartments.isCompartmentType(t)) && !given
      ? { ...request, compartment: { resourceType: 'Patient', id: ids[0], ids, otherTypes: 'open' } }
      : request;
    const result = await this.inner.search(confined);
    const included: VersionRecord[] = [];
    for (const r of result.included) if (await this.visible(r, ids)) included.push(r);
    return included.length === result.included.length ? result : { ...result, included };
  }

  override async history(query: HistoryQuery): Promise<HistoryPage> {
    if (query.resourceType !== undefined && !this.compartments.isCompartmentType(query.resourceType)) return this.inner.history(query);
    if (query.resourceType === undefined || query.id === undefined) {
      throw new FhirError(403, [issue('forbidden', 'History across resources is not available to a patient-context token: ask for the history of one resource')]);
    }
    const ids = await this.ids();
    const current = await this.inner.read(query.resourceType, query.id);
    if (!current || (query.resourceType === 'Patient' && !ids.includes(query.id)) || !(await this.visible(current, ids))) return { entries: [], total: 0 };
    return this.inner.history(query);
  }

  override async create(resource: Resource & { id: string }, options?: WriteOptions): Promise<VersionRecord> {
    await this.mayWrite(resource);
    return this.inner.create(resource, options);
  }

  override async update(resource: Resource & { id: string }, options?: WriteOptions): Promise<{ record: VersionRecord; created: boolean }> {
    await this.mayWrite(resource);
    const existing = await this.inner.read(resource.resourceType, resource.id);
    if (existing && !(await this.visible(existing, await this.ids()))) throw outside(resource.resourceType);
    return this.inner.update(resource, options);
  }

  override async delete(resourceType: string, id: string, options?: WriteOptions): Promise<VersionRecord | undefined> {
    if (!this.compartments.isCompartmentType(resourceType)) return this.inner.delete(resourceType, id, options);
    if (!(await this.read(resourceType, id))) return undefined;
    return this.inner.delete(resourceType, id, options);
  }

  /** A resource may be written when it lies in one of the patient's compartments (or outside every one). */
  private async mayWrite(resource: Resource & { id: string }): Promise<void> {
    if (!this.compartments.isCompartmentType(resource.resourceType)) return;
    const ids = await this.ids();
    if (!this.compartments.patientsOf(resource).some((id) => ids.includes(id))) throw outside(resource.resourceType);
  }

  /** A version is visible when it is in one of the compartments; a deletion, when the version before it was. */
  private async visible(record: VersionRecord, ids: readonly string[]): Promise<boolean> {
    if (!this.compartments.isCompartmentType(record.resourceType)) return true;
    if (record.resourceType === 'Patient') return ids.includes(record.id);
    let resource = record.resource;
    if (record.deleted) {
      const before = Number(record.versionId) - 1;
      resource = before > 0 ? (await this.inner.vread(record.resourceType, record.id, String(before)))?.resource : undefined;
    }
    return resource !== undefined && this.compartments.patientsOf(resource).some((id) => ids.includes(id));
  }
}

function outside(type: string): FhirError {
  return new FhirError(403, [issue('forbidden', `This token may write ${type} resources only in its patient's record`)]);
}
