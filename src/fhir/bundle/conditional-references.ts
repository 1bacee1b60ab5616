import { FhirError, issue } from '../../kernel/errors';
import type { FhirStore, VersionRecord } from '../../store/store';
import type { ServerContext } from '../rest/server-context';
import type { PlannedEntry } from './bundle-plan';
import { entryLabel } from './bundle-plan';
import { rewriteStrings } from './reference-rewrite';
import { findMatches } from './find-matches';

const CONDITIONAL = /^([A-Z][A-Za-z]+)\?(.+)$/;

function entryFailure(entry: PlannedEntry, status: number, code: 'not-found' | 'multiple-matches' | 'invalid', message: string, where: string): FhirError {
  return new FhirError(status, [issue(code, `${entryLabel(entry)}: ${message}`, `Bundle.entry[${entry.index}].resource${where}`)]);
}

/** The single current resource matching `Type?criteria`, searched in `store` (the transaction view if any). */
export async function resolveConditional(
  ctx: ServerContext,
  store: FhirStore,
  entry: PlannedEntry,
  reference: string,
  where: string,
): Promise<VersionRecord> {
  const match = CONDITIONAL.exec(reference) as RegExpExecArray;
  let found: VersionRecord[];
  try {
    found = await findMatches(ctx, store, match[1], new URLSearchParams(match[2]));
  } catch (e) {
    if (e instanceof FhirError) {
      throw entryFailure(entry, 400, 'invalid', `conditional reference "${reference}": ${e.message}`, where);
    }
    throw e;
  }
  if (found.length === 0) throw entryFailure(entry, 412, 'not-found', `conditional reference "${reference}" matches no resource`, where);
  if (found.length > 1) throw entryFailure(entry, 412, 'multiple-matches', `conditional reference "${reference}" matches several resources`, where);
  return found[0];
}

/**
 * Replaces every conditional reference (`Patient?identifier=s|v`) of an entry's resource by the literal
 * reference of the one resource it matches; none or several is a 412 naming the entry (R4 http.html#trules).
 */
export async function resolveConditionalReferences(ctx: ServerContext, store: FhirStore, entry: PlannedEntry): Promise<void> {
  if (!entry.resource) return;
  const pending: { reference: string; where: string }[] = [];
  rewriteStrings(entry.resource, (value, key, where) => {
    const m = key === 'reference' ? CONDITIONAL.exec(value) : null;
    if (m && ctx.definitions.isResourceType(m[1])) pending.push({ reference: value, where });
    return undefined;
  });
  if (pending.length === 0) return;
  const resolved = new Map<string, string>();
  for (const { reference, where } of pending) {
    if (resolved.has(reference)) continue;
    const record = await resolveConditional(ctx, store, entry, reference, where);
    resolved.set(reference, `${record.resourceType}/${record.id}`);
  }
  rewriteStrings(entry.resource, (value, key) => (key === 'reference' ? resolved.get(value) : undefined));
}
