import { FhirError, badRequest, issue, notFound } from '../kernel/errors';
import type { ServerContext } from '../fhir/rest/server-context';
import type { FhirStore } from '../store/store';
import { buildRequest } from './store-query';

/** More matches than this are not listed in the 409 (one is already too many). */
const LISTED_MATCHES = 5;

/**
 * The one current Patient carrying `identifier` (`system|value`, both required: an INS or an IPP is only
 * meaningful with its assigning authority). 404 when none does, 409 naming them when several do: the caller
 * must not get one person's record when the identifier is ambiguous.
 */
export async function patientByIdentifier(ctx: ServerContext, store: FhirStore, identifier: string | undefined): Promise<string> {
  if (!identifier) throw badRequest(`Parameter 'identifier' (system|value of an INS or IPP) is required at type level`, 'identifier');
  const bar = identifier.indexOf('|');
  if (bar <= 0 || bar === identifier.length - 1 || identifier.indexOf('|', bar + 1) >= 0) {
    throw badRequest(`Parameter 'identifier' must be system|value (e.g. urn:oid:1.2.250.1.213.1.4.8|<INS>), not '${identifier.slice(0, 60)}'`, 'identifier');
  }
  const request = buildRequest(ctx, 'Patient', { identifier });
  const page = await store.search({ ...request, count: LISTED_MATCHES, offset: 0, total: 'none', include: undefined, revinclude: undefined });
  const system = identifier.slice(0, bar);
  if (page.entries.length === 0) throw notFound(`No current Patient has an identifier in ${system} with this value`);
  if (page.entries.length > 1) {
    const listed = page.entries.map((r) => `Patient/${r.id}`).join(', ');
    const more = page.hasMore ? ' and more' : '';
    throw new FhirError(409, [issue('multiple-matches', `Several Patients have this identifier in ${system}: ${listed}${more}; call Patient/<id>/$imaging-record on one of them`, 'identifier')]);
  }
  return page.entries[0].id;
}
