import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { FhirError } from '../../kernel/errors';
import { entryContext, type RequestContext } from '../rest/request-context';
import type { BundlePlan } from './bundle-plan';
import { entryLabel } from './bundle-plan';
import { failureEntry, statusLine, successEntry } from './bundle-response';
import { resolveConditionalReferences } from './conditional-references';
import { decideEntry, runEntry, type EntryRouter } from './entry-request';
import { ResponseBudget, responseTooLarge } from './response-budget';
import { yieldToEventLoop } from '../../kernel/yield-to-event-loop';
import { redactUrl } from '../rest/redact-url';

/**
 * Runs a batch Bundle: each entry on its own (no shared transaction), in the submitted order, under its
 * own context (entryContext: the batch's store and caller, one level deeper) and the router's decision on
 * it, taken before anything is read or written for it. A failed or refused entry answers its status and
 * OperationOutcome in entry.response; the others still run.
 * References between entries are left alone, as R4 says a batch must not depend on them.
 * Once the response reaches maxBundleResponseBytes, the read that went past it and every later entry
 * answer 413 without being kept (or run), so a few kilobytes of batch cannot ask for gigabytes of answer.
 */
export async function runBatch(ctx: RequestContext, plan: BundlePlan, router: EntryRouter): Promise<Bundle> {
  const entries: BundleEntry[] = [];
  const budget = new ResponseBudget(ctx.config.maxBundleResponseBytes);
  let spent = false;
  let started = performance.now();
  const entryCtx = entryContext(ctx);
  for (const entry of plan.entries) {
    // Each entry may be a search of a thousand resources: other clients' requests go in between.
    if (entries.length > 0) await yieldToEventLoop(started);
    started = performance.now();
    const rejected = plan.rejected.get(entry.index);
    if (rejected) {
      entries.push(failureEntry(rejected));
      continue;
    }
    if (spent) {
      entries.push(failureEntry(responseTooLarge(budget.limit, `${entryLabel(entry)} was not run`)));
      continue;
    }
    try {
      const allowed = decideEntry(entryCtx, entry, router);
      await resolveConditionalReferences(entryCtx, entryCtx.store, entry);
      const response = await runEntry(entryCtx, entry, allowed);
      if (!budget.take(entry, response)) {
        spent = true;
        if (entry.method === 'GET' || entry.method === 'HEAD') {
          entries.push(failureEntry(responseTooLarge(budget.limit, entryLabel(entry))));
          continue;
        }
        // A write that was done is answered as such, whatever its size.
        budget.force(entry, response);
      }
      entries.push(successEntry(response, ctx.config.baseUrl));
    } catch (e) {
      if (e instanceof FhirError) {
        entries.push(failureEntry(e));
      } else {
        ctx.logger.error({ err: e, entry: redactUrl(entryLabel(entry)) }, 'batch entry failed unexpectedly');
        entries.push({
          response: {
            status: statusLine(500),
            outcome: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: `${entryLabel(entry)}: internal error` }] },
          },
        });
      }
    }
  }
  return { resourceType: 'Bundle', type: 'batch-response', entry: entries };
}
