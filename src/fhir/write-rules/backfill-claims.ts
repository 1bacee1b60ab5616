import type { Resource } from '@medplum/fhirtypes';
import { FhirError } from '../../kernel/errors';
import type { FhirStore } from '../../store/store';
import type { SearchRequest } from '../search/search-request';
import type { WriteRule } from './write-rule';

/** The few logger methods the backfill uses (a pino Logger fits). */
export interface BackfillLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface BackfillReport {
  rule: string;
  resources: number;
  /** Stored resources the rule would refuse today (e.g. a wrong INS key): reported, left as they are. */
  invalid: number;
  /** Stored resources that share a key with another record they are not linked to: the first keeps it. */
  duplicates: number;
}

const PAGE = 500;

/**
 * Gives every current resource stored before a rule existed the claims the rule asks for, once per store
 * and rule (WriteRule.backfill), and reports (by reference, never by value) the records that break it.
 * Idempotent: processes starting together may both run it.
 */
export async function backfillClaims(store: FhirStore, rules: readonly WriteRule[], logger: BackfillLogger): Promise<BackfillReport[]> {
  const backfill = store.claimsBackfill;
  const reports: BackfillReport[] = [];
  if (!backfill) return reports;
  for (const rule of rules) {
    if (!rule.backfill || (await backfill.isDone(rule.backfill))) continue;
    const report: BackfillReport = { rule: rule.backfill, resources: 0, invalid: 0, duplicates: 0 };
    for (const type of rule.resourceTypes) {
      let request: SearchRequest = { resourceTypes: [type], filters: [], sort: [], count: PAGE, offset: 0, total: 'none' };
      for (;;) {
        const page = await store.search(request);
        // One page at a time, its claims written together (their commits share the disk flushes).
        await Promise.all(page.entries.map(async (record) => {
          report.resources++;
          await backfillOne(store, rule, record.resource as Resource & { id: string }, report, logger);
        }));
        if (!page.hasMore) break;
        request = page.next ? { ...request, cursor: page.next } : { ...request, offset: request.offset + page.entries.length };
      }
    }
    await backfill.markDone(rule.backfill);
    logger.info({ ...report }, 'claims backfilled for resources stored before the rule');
    reports.push(report);
  }
  return reports;
}

async function backfillOne(store: FhirStore, rule: WriteRule, resource: Resource & { id: string }, report: BackfillReport, logger: BackfillLogger) {
  const ref = `${resource.resourceType}/${resource.id}`;
  let keys: string[];
  try {
    keys = rule.check(resource).map((claim) => claim.key);
  } catch (err) {
    if (!(err instanceof FhirError)) throw err;
    report.invalid++;
    logger.warn({ rule: rule.backfill, resource: ref, problem: err.message }, 'a stored resource breaks a write rule');
    return;
  }
  if (keys.length === 0) return;
  const others = await store.claimsBackfill!.addClaims(resource.resourceType, resource.id, keys);
  for (const holder of others) {
    const held = await store.read(holder.resourceType, holder.id);
    if (held?.resource && rule.mayShare?.(resource, held.resource as Resource & { id: string })) continue;
    report.duplicates++;
    logger.warn(
      { rule: rule.backfill, resource: ref, holder: `${holder.resourceType}/${holder.id}` },
      'stored records share a unique identifier without being linked: the holder keeps it, the other must be fixed or linked',
    );
  }
}
