import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import { badRequest } from '../kernel/errors';
import type { ServerContext } from '../fhir/rest/server-context';
import type { FhirStore, VersionRecord } from '../store/store';
import { resolveIdentities } from './linked-identities';
import { buildRequest, readMany } from './store-query';

export interface EverythingQuery {
  patientId: string;
  since?: string;
  types?: string[];
  count: number;
  offset: number;
}

/** Referenced resources added to each page (search.mode include): who and where, enough to read the page. */
const REFERENCED = ['Organization', 'Practitioner', 'Endpoint'];

/** The Patient compartment's member types (those with at least one linking parameter), Patient excepted. */
export function compartmentTypes(ctx: ServerContext): string[] {
  return (ctx.definitions.patientCompartment.resource ?? [])
    .filter((r) => (r.param?.length ?? 0) > 0 && r.code !== 'Patient' && ctx.definitions.isResourceType(r.code))
    .map((r) => r.code);
}

/**
 * `Patient/{id}/$everything` (R4) over every identity linked to the patient (Patient.link, as
 * `$imaging-record`): the Patients first (the requested one, then the linked ones), then every resource of
 * their compartments (the CompartmentDefinition's types, or `_type`), identity by identity and by _id within
 * an identity; paged over that sequence with `_count`/`_offset`; Organizations, Practitioners and Endpoints
 * the page refers to are added. Each identity's compartment is counted, then only the slice of the page is
 * read. A resource in the compartments of two identities of the same person (rare: it names both) is listed
 * once per page but counted twice in `total`.
 */
export async function everything(ctx: ServerContext, store: FhirStore, q: EverythingQuery): Promise<Bundle> {
  const known = compartmentTypes(ctx);
  const types = q.types ? q.types.filter((t) => t !== 'Patient') : known;
  for (const t of types) if (!known.includes(t)) throw badRequest(`_type: '${t}' is not a type of the Patient compartment`, '_type');
  const ids = await resolveIdentities(ctx, store, q.patientId);
  const identities = [ids.patient, ...ids.linked];
  const withPatient = !q.types || q.types.includes('Patient');
  const sinceIso = q.since ? new Date(q.since).toISOString() : undefined;
  const patients = withPatient ? identities.filter((p) => !sinceIso || p.lastUpdated >= sinceIso) : [];

  // One search per identity over every requested type (the stores OR the compartment's parameters of each
  // type in one indexed query): a page costs a count per identity, not per type and identity.
  const base = types.length > 0 ? buildRequest(ctx, types[0], { _lastUpdated: q.since ? `ge${q.since}` : undefined, _sort: '_id' }) : undefined;
  const requests = base ? identities.map((p) => ({ ...base, resourceTypes: types, compartment: { resourceType: 'Patient', id: p.id } })) : [];
  const totals = await Promise.all(requests.map(async (r) => (await store.search({ ...r, count: 0, offset: 0, total: 'accurate' })).total ?? 0));
  const total = totals.reduce((a, b) => a + b, patients.length);

  const page: VersionRecord[] = patients.slice(q.offset, q.offset + q.count);
  let skip = Math.max(0, q.offset - patients.length);
  let need = q.count - page.length;
  for (let i = 0; i < requests.length && need > 0; i++) {
    if (skip >= totals[i]) {
      skip -= totals[i];
      continue;
    }
    const result = await store.search({ ...requests[i], count: need, offset: skip, total: 'none' });
    page.push(...result.entries);
    need -= result.entries.length;
    skip = 0;
  }

  const inPage = new Set<string>();
  const matches = page.filter((r) => {
    const key = `${r.resourceType}/${r.id}`;
    if (inPage.has(key)) return false;
    inPage.add(key);
    return true;
  });
  const wanted = new Map<string, Set<string>>(REFERENCED.map((t) => [t, new Set<string>()]));
  for (const r of matches) collectReferences(r.resource, (type, id) => {
    if (!inPage.has(`${type}/${id}`)) wanted.get(type)?.add(id);
  });
  const included = (await Promise.all([...wanted].filter(([, set]) => set.size > 0).map(([t, set]) => readMany(ctx, store, t, set)))).flat();

  const entry = (r: VersionRecord, mode: 'match' | 'include'): BundleEntry => ({
    fullUrl: `${ctx.config.baseUrl}/${r.resourceType}/${r.id}`,
    resource: r.resource,
    search: { mode },
  });
  const outcome: BundleEntry[] = ids.truncated
    ? [{
        resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'too-costly', diagnostics: 'Linked identities were cut at the server limit: the record may be incomplete' }] },
        search: { mode: 'outcome' },
      }]
    : [];
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    link: links(ctx, q, total),
    entry: [...matches.map((r) => entry(r, 'match')), ...included.map((r) => entry(r, 'include')), ...outcome],
  };
}

/** Calls back with every relative `Type/id` reference found anywhere in the resource. */
function collectReferences(value: unknown, found: (type: string, id: string) => void): void {
  if (Array.isArray(value)) for (const v of value) collectReferences(v, found);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Resource)) {
      if (k === 'reference' && typeof v === 'string') {
        const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(v);
        if (m) found(m[1], m[2]);
      } else if (typeof v === 'object') collectReferences(v, found);
    }
  }
}

function links(ctx: ServerContext, q: EverythingQuery, total: number): BundleLink[] {
  const url = (offset: number) => {
    const p = new URLSearchParams();
    if (q.since) p.set('_since', q.since);
    if (q.types) p.set('_type', q.types.join(','));
    p.set('_count', String(q.count));
    if (offset > 0) p.set('_offset', String(offset));
    return `${ctx.config.baseUrl}/Patient/${q.patientId}/$everything?${p.toString()}`;
  };
  const out: BundleLink[] = [{ relation: 'self', url: url(q.offset) }, { relation: 'first', url: url(0) }];
  if (q.count > 0 && q.offset > 0) out.push({ relation: 'previous', url: url(Math.max(0, q.offset - q.count)) });
  if (q.count > 0 && q.offset + q.count < total) out.push({ relation: 'next', url: url(q.offset + q.count) });
  return out;
}
