import type { Resource } from '@medplum/fhirtypes';
import type { FhirError } from '../../kernel/errors';

/** A unique key a resource claims (see WriteOptions.claims), and how to explain that another record holds it. */
export interface RuleClaim {
  /** e.g. `ins|urn:oid:1.2.250.1.213.1.4.8|<value>`; never shown to clients nor logged by the core. */
  key: string;
  /** The 409 to answer when `holder` (`Type/id`) already holds the key. */
  conflict(holder: string): FhirError;
}

/**
 * A server rule that every write of its resource types passes, whatever the resource's profiles: create,
 * update, conditional interactions, PATCH, Bundle entries and imports all reach the store through the rules.
 * Domain folders provide rules; the composition root registers them (withWriteRules).
 */
export interface WriteRule {
  readonly resourceTypes: readonly string[];
  /**
   * Names the start-up backfill that gives resources stored before this rule their claims (once per store);
   * a new name when what the rule claims changes. Without it, no backfill.
   */
  readonly backfill?: string;
  /** Checks the resource about to be written (throws a FhirError to refuse it) and returns its claims. */
  check(resource: Resource): RuleClaim[];
  /** Whether `resource` may share a claimed key with `holder`, its current holder (e.g. linked records). */
  mayShare?(resource: Resource & { id: string }, holder: Resource & { id: string }): boolean;
}
