import type { CapabilityStatementRestSecurity } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import type { LucarneConfig } from '../../config/config';
import type { AuditSink } from '../../kernel/audit-sink';
import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/id-generator';
import type { StateStore } from '../../store/state/state-store';
import type { FhirStore } from '../../store/store';
import type { AccessPolicy } from './access-policy';
import type { Definitions } from '../conformance/definitions';
import type { TerminologyResolver } from '../search/terminology-resolver';
import type { Validator } from '../validation/validator';
import type { WriteRule } from '../write-rules/write-rule';

/**
 * Everything an interaction needs, built once by the composition root (src/app.ts). Routes receive it as
 * part of a RequestContext (request-context.ts), whose store is the one to use.
 */
export interface ServerContext {
  readonly config: LucarneConfig;
  readonly definitions: Definitions;
  /** The server's store: requests reach it through a RequestContext, after the access decision. */
  readonly store: FhirStore;
  /** The server's own shared state (OAuth clients, codes, keys...): one for every process on the database. */
  readonly state: StateStore;
  /** Decides, for every request and every Bundle entry, whether the caller may do it. */
  readonly access: AccessPolicy;
  /** The CapabilityStatement's rest.security (SMART on FHIR and its endpoints), when authorization is on. */
  readonly security?: CapabilityStatementRestSecurity;
  /** Where the router records every access (allowed or refused) for the audit trail. */
  readonly audit: AuditSink;
  readonly validator: Validator;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Code sets for token :in/:not-in/:above/:below; without it only the R4 required-binding ValueSets expand. */
  readonly terminology?: TerminologyResolver;
  /** The server rules the store applies to writes (withWriteRules), for $validate to report their checks too. */
  readonly writeRules?: readonly WriteRule[];
}
