import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { FhirError } from '../../kernel/errors';
import type { FhirHandler } from '../rest/handler';
import type { ServerContext } from '../rest/server-context';
import type { BundlePlan } from './bundle-plan';
import { entryLabel } from './bundle-plan';
import { failureEntry, statusLine, successEntry } from './bundle-response';
import { resolveConditionalReferences } from './conditional-references';
import { runEntry } from './entry-request';
import { ResponseBudget, responseTooLarge } from './response-budget';
import { yieldToEventLoop } from '../../kernel/yield-to-event-loop';
import { redactUrl } from '../rest/redact-url';

/**
 * Runs a batch Bundle: each entry on its own against ctx.store (no shared transaction), in the submitted
 * order. A failed entry answers its status and OperationOutcome in entry.response; the others still run.
 * References between entries are left alone, as R4 says a batch must not depend on them.
 * Once the response reaches maxBundleResponseBytes, the read that went past it and every later entry
 * answer 413 without being kept (or run), so a few kilobytes of batch cannot ask for gigabytes of answer.
 */
export async function runBatch(ctx: ServerContext, plan: BundlePlan, dispatch: FhirHandler): Promise<Bundle> {
  const entries: BundleEntry[] = [];
  const budget = new ResponseBudget(ctx.config.maxBundleResponseBytes);
  let spent = false;
  let started = performance.now();
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
      await resolveConditionalReferences(ctx, ctx.store, entry);
      const response = await runEntry(ctx, entry, ctx.store, dispatch);
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
