import type { Resource } from '@medplum/fhirtypes';
import type { SearchFilter, SearchRequest, SearchResult } from '../fhir/search/search-request';
import type { PatientCompartments } from '../fhir/search/patient-compartment';
import { FhirError, issue } from '../kernel/errors';
import { DelegatingStore } from '../store/delegating-store';
import type { FhirStore, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from '../store/store';

/**
 * Which patients' records a confined caller may see: `only` those (a patient's token: its linked records;
 * a professional: the patients in their care), or everyone `except` those (break-the-glass: every patient
 * but those who opposed the professional).
 */
export interface VisiblePatients {
  readonly only?: readonly string[];
  readonly except?: readonly string[];
}

/** What a confined caller may see: the compartments of some patients, less what is masked from it. */
export interface ConfinedView {
  patients(): Promise<VisiblePatients>;
  readonly compartments: PatientCompartments;
  /** Filters every search of a compartment type also gets (what masking hides, so totals do not count it). */
  readonly searchFilters?: (types: readonly string[]) => SearchFilter[];
  /** Whether a resource is hidden even in a visible compartment (masked). */
  readonly hides?: (resource: Resource) => boolean;
  /** Who is confined, for the refusals: `a patient-context token`, `this professional`. */
  readonly who: string;
}

const NOTHING = (request: SearchRequest): SearchResult => ({ entries: [], included: [], hasMore: false, ...(request.total !== 'none' ? { total: 0 } : {}) });

/**
 * The store as a confined caller sees it: the compartments of the patients it may see (and the types
 * outside any patient compartment, such as Organization or Endpoint), less what is masked from it. Whatever
 * lies outside is as if it did not exist — a read answers 404, a search does not find it and does not count
 * it in `_total`, an include does not bring it — and a write that would put or change something outside is
 * refused (403). (Under `except` alone — break-the-glass — a search's total may still count the few
 * resources of the excluded patients that the page then leaves out.)
 */
export class ConfinedStore extends DelegatingStore {
  private readonly compartments: PatientCompartments;

  constructor(inner: FhirStore, private readonly view: ConfinedView) {
    super(inner);
    this.compartments = view.compartments;
  }

  protected wrap(store: FhirStore): FhirStore {
    return new ConfinedStore(store, this.view);
  }

  override async read(resourceType: string, id: string): Promise<VersionRecord | undefined> {
    if (!this.compartments.isCompartmentType(resourceType)) return this.inner.read(resourceType, id);
    const visible = await this.view.patients();
    if (resourceType === 'Patient' && !sees(visible, [id])) return undefined;
    const record = await this.inner.read(resourceType, id);
    return record && (await this.visible(record, visible)) ? record : undefined;
  }

  override async vread(resourceType: string, id: string, versionId: string): Promise<VersionRecord | undefined> {
    if (!this.compartments.isCompartmentType(resourceType)) return this.inner.vread(resourceType, id, versionId);
    const visible = await this.view.patients();
    if (resourceType === 'Patient' && !sees(visible, [id])) return undefined;
    const record = await this.inner.vread(resourceType, id, versionId);
    return record && (await this.visible(record, visible)) ? record : undefined;
  }

  override async search(request: SearchRequest): Promise<SearchResult> {
    if (!request.resourceTypes.some((t) => this.compartments.isCompartmentType(t))) return this.inner.search(request);
    const visible = await this.view.patients();
    const given = request.compartment;
    if (given && (given.resourceType !== 'Patient' || !(given.ids ?? [given.id]).every((id) => sees(visible, [id])))) return NOTHING(request);
    let confined = request;
    if (visible.only && !given) {
      if (visible.only.length === 0 && request.resourceTypes.every((t) => this.compartments.isCompartmentType(t))) return NOTHING(request);
      confined = { ...confined, compartment: { resourceType: 'Patient', id: visible.only[0] ?? '', ids: visible.only, otherTypes: 'open' } };
    }
    const filters = this.view.searchFilters?.(request.resourceTypes) ?? [];
    if (filters.length > 0) confined = { ...confined, filters: [...confined.filters, ...filters] };
    const result = await this.inner.search(confined);
    const keep = async (records: readonly VersionRecord[]) => {
      const kept: VersionRecord[] = [];
      for (const r of records) if (await this.visible(r, visible)) kept.push(r);
      return kept;
    };
    const included = await keep(result.included);
    const entries = visible.except && visible.except.length > 0 ? await keep(result.entries) : result.entries;
    return included.length === result.included.length && entries === result.entries ? result : { ...result, entries, included };
  }

  override async history(query: HistoryQuery): Promise<HistoryPage> {
    if (query.resourceType !== undefined && !this.compartments.isCompartmentType(query.resourceType)) return this.inner.history(query);
    if (query.resourceType === undefined || query.id === undefined) {
      throw new FhirError(403, [issue('forbidden', `History across resources is not available to ${this.view.who}: ask for the history of one resource`)]);
    }
    return (await this.read(query.resourceType, query.id)) ? this.inner.history(query) : { entries: [], total: 0 };
  }

  override async create(resource: Resource & { id: string }, options?: WriteOptions): Promise<VersionRecord> {
    await this.mayWrite(resource);
    return this.inner.create(resource, options);
  }

  override async update(resource: Resource & { id: string }, options?: WriteOptions): Promise<{ record: VersionRecord; created: boolean }> {
    await this.mayWrite(resource);
    const existing = await this.inner.read(resource.resourceType, resource.id);
    if (existing && !(await this.visible(existing, await this.view.patients()))) throw this.outside(resource.resourceType);
    return this.inner.update(resource, options);
  }

  override async delete(resourceType: string, id: string, options?: WriteOptions): Promise<VersionRecord | undefined> {
    if (!this.compartments.isCompartmentType(resourceType)) return this.inner.delete(resourceType, id, options);
    if (!(await this.read(resourceType, id))) return undefined;
    return this.inner.delete(resourceType, id, options);
  }

  /** A resource may be written when it lies in a visible patient's compartment (or outside every one). */
  private async mayWrite(resource: Resource & { id: string }): Promise<void> {
    if (!this.compartments.isCompartmentType(resource.resourceType)) return;
    const visible = await this.view.patients();
    const ids = resource.resourceType === 'Patient' ? [resource.id] : this.compartments.patientsOf(resource);
    if (ids.length === 0 || !sees(visible, ids)) throw this.outside(resource.resourceType);
  }

  /** A version is visible when it is in a visible compartment and not masked; a deletion, when the version before it was. */
  private async visible(record: VersionRecord, visible: VisiblePatients): Promise<boolean> {
    if (!this.compartments.isCompartmentType(record.resourceType)) return true;
    let resource = record.resource;
    if (record.deleted) {
      const before = Number(record.versionId) - 1;
      resource = before > 0 ? (await this.inner.vread(record.resourceType, record.id, String(before)))?.resource : undefined;
    }
    if (resource === undefined || this.view.hides?.(resource)) return false;
    const ids = record.resourceType === 'Patient' ? [record.id] : this.compartments.patientsOf(resource);
    return sees(visible, ids);
  }

  private outside(type: string): FhirError {
    const who = this.view.who;
    return new FhirError(403, [issue('forbidden', `${who[0].toUpperCase()}${who.slice(1)} may write ${type} resources only in the records of patients it may see`)]);
  }
}

/** Whether a resource in the compartments of `ids` is visible: one of them is seen, and none is excluded. */
function sees(visible: VisiblePatients, ids: readonly string[]): boolean {
  if (visible.except && ids.some((id) => setOf(visible.except!).has(id))) return false;
  return visible.only ? ids.some((id) => setOf(visible.only!).has(id)) : visible.except !== undefined;
}

const sets = new WeakMap<readonly string[], ReadonlySet<string>>();
function setOf(ids: readonly string[]): ReadonlySet<string> {
  let set = sets.get(ids);
  if (!set) sets.set(ids, (set = new Set(ids)));
  return set;
}
