import type { AuditEvent, AuditEventAgent, AuditEventEntity, AuditEventSource, CodeableConcept, Coding } from '@medplum/fhirtypes';
import type { AuditRecord } from '../kernel/audit-sink';

/** Code systems of IHE BALP (standards.md §7) and of the R4 AuditEvent bindings. */
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL = 'http://hl7.org/fhir/restful-interaction';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const PROVENANCE_PARTICIPANT = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const BALP_ENTITY = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';
const USER_AGENT = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/UserAgentTypes';
const PURPOSE = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const NETWORK_TYPE = { machine: '1', ip: '2' } as const;
/** Lucarne's own codes of authorization-server events (`token-issued`, `sign-in-failed`...). */
export const LUCARNE_AUTH_EVENT = 'https://lucarne.example/fhir/CodeSystem/auth-event';
/** Where a client id and a user's subject are identifiers. */
export const CLIENT_ID_SYSTEM = 'urn:ietf:params:oauth:client-id';
export const SUBJECT_SYSTEM = 'https://lucarne.example/fhir/sid/subject';

/** The BALP profiles of each RESTful shape (standards.md §7). */
const BALP = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.';
export const LUCARNE_AUDIT_PROFILE = 'https://lucarne.example/fhir/StructureDefinition/lucarne-audit-event';

/** The server, as it names itself in every event (agent[server] and source.observer). */
export interface AuditServerIdentity {
  /** The FHIR base URL. */
  readonly baseUrl: string;
  readonly name?: string;
}

const code = (system: string, value: string, display?: string): Coding => (display ? { system, code: value, display } : { system, code: value });
const concept = (coding: Coding): CodeableConcept => ({ coding: [coding] });

type Shape = 'Create' | 'Read' | 'Update' | 'Delete' | 'Query' | 'Execute';

function shapeOf(record: AuditRecord): Shape {
  switch (record.action) {
    case 'C':
      return 'Create';
    case 'R':
      return record.event.startsWith('search') || record.event.startsWith('history') ? 'Query' : 'Read';
    case 'U':
      return 'Update';
    case 'D':
      return 'Delete';
    case 'E':
      return record.event.startsWith('search') ? 'Query' : 'Execute';
  }
}

/** Agent role codes of the RESTful BALP shapes: data flows from the server on a read, to it otherwise. */
const SOURCE_ROLE = code(DCM, '110153', 'Source Role ID');
const DESTINATION_ROLE = code(DCM, '110152', 'Destination Role ID');
const APPLICATION = code(DCM, '110150', 'Application');
const CUSTODIAN = code(PROVENANCE_PARTICIPANT, 'custodian', 'Custodian');

function roles(shape: Shape): { client: Coding; server: Coding } {
  switch (shape) {
    case 'Read':
      return { client: DESTINATION_ROLE, server: SOURCE_ROLE };
    case 'Delete':
      return { client: APPLICATION, server: CUSTODIAN };
    default:
      return { client: SOURCE_ROLE, server: DESTINATION_ROLE };
  }
}

/** AuditEvent.outcome from the HTTP-like status: 0 success, 4 minor failure (refused, invalid), 8 serious (server). */
export function outcomeOf(status: number): '0' | '4' | '8' {
  if (status < 400) return '0';
  return status < 500 ? '4' : '8';
}

/** The purpose-of-use codes of a record, ETREAT included for a break-the-glass access. */
function purposes(record: AuditRecord): CodeableConcept[] {
  const codes = [...(record.purposeOfUse ?? [])];
  if (record.breakTheGlassReason !== undefined && !codes.includes('ETREAT')) codes.push('ETREAT');
  return codes.map((c) => concept(code(PURPOSE, c)));
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function serverAgent(server: AuditServerIdentity, type: Coding): AuditEventAgent {
  return {
    type: concept(type),
    who: { identifier: { system: 'urn:ietf:rfc:3986', value: server.baseUrl }, display: server.name ?? 'Lucarne' },
    requestor: false,
    network: { address: hostOf(server.baseUrl), type: NETWORK_TYPE.machine },
  };
}

function clientAgent(record: AuditRecord, type: Coding, requestor: boolean): AuditEventAgent | undefined {
  if (record.clientId === undefined && record.remoteAddress === undefined) return undefined;
  const agent: AuditEventAgent = { type: concept(type), requestor };
  if (record.clientId !== undefined) agent.who = { identifier: { system: CLIENT_ID_SYSTEM, value: record.clientId }, display: record.clientId };
  else agent.who = { display: 'unidentified client' };
  if (record.remoteAddress !== undefined) agent.network = { address: record.remoteAddress, type: NETWORK_TYPE.ip };
  return agent;
}

/** The user (information recipient, BALP agent[user]); with a token id, the OAuth user agent of the token use. */
function userAgent(record: AuditRecord): AuditEventAgent | undefined {
  if (record.subject === undefined && record.fhirUser === undefined) return undefined;
  const agent: AuditEventAgent = {
    type: record.tokenId !== undefined ? concept(code(USER_AGENT, 'UserOauthAgent', 'User OAuth Agent')) : concept(code(PARTICIPATION, 'IRCP', 'information recipient')),
    requestor: true,
  };
  const who: AuditEventAgent['who'] = {};
  if (record.fhirUser !== undefined) who.reference = record.fhirUser;
  if (record.subject !== undefined) who.identifier = { system: SUBJECT_SYSTEM, value: record.subject };
  agent.who = who;
  if (record.subject !== undefined) agent.altId = record.subject;
  if (record.tokenId !== undefined) agent.policy = [`urn:ietf:params:oauth:jti:${record.tokenId}`];
  const purposeOfUse = purposes(record);
  if (purposeOfUse.length > 0) agent.purposeOfUse = purposeOfUse;
  return agent;
}

function launcherAgent(record: AuditRecord): AuditEventAgent | undefined {
  if (record.launchedBy === undefined) return undefined;
  return {
    type: concept(APPLICATION),
    role: [{ text: 'launching EHR' }],
    who: { identifier: { system: CLIENT_ID_SYSTEM, value: record.launchedBy }, display: record.launchedBy },
    requestor: false,
  };
}

/** entity[transaction]: the request id; a break-the-glass reason is a detail of it. */
function transactionEntity(record: AuditRecord): AuditEventEntity {
  const entity: AuditEventEntity = {
    what: { identifier: { value: record.requestId } },
    type: code(BALP_ENTITY, 'XrequestId', 'X-Request-Id'),
  };
  if (record.breakTheGlassReason !== undefined) entity.detail = [{ type: 'break-the-glass-reason', valueString: record.breakTheGlassReason }];
  return entity;
}

function entities(record: AuditRecord): AuditEventEntity[] {
  const out: AuditEventEntity[] = [transactionEntity(record)];
  for (const reference of record.entities ?? []) {
    out.push({ what: { reference }, type: code(ENTITY_TYPE, '2', 'System Object'), role: code(OBJECT_ROLE, '4', 'Domain Resource') });
  }
  for (const reference of record.patients ?? []) {
    out.push({ what: { reference }, type: code(ENTITY_TYPE, '1', 'Person'), role: code(OBJECT_ROLE, '1', 'Patient') });
  }
  if (record.query !== undefined && record.query !== '') {
    out.push({ type: code(ENTITY_TYPE, '2', 'System Object'), role: code(OBJECT_ROLE, '24', 'Query'), query: Buffer.from(record.query, 'utf8').toString('base64') });
  }
  return out;
}

/** The type and subtype of an authorization-server or administration event. */
function serverEventType(record: AuditRecord): { type: Coding; subtype: Coding[] } {
  const own = code(LUCARNE_AUTH_EVENT, record.event);
  switch (record.kind) {
    case 'sign-in': {
      const logout = /sign-out|logout/.test(record.event);
      return { type: code(DCM, '110114', 'User Authentication'), subtype: [logout ? code(DCM, '110123', 'Logout') : code(DCM, '110122', 'Login'), own] };
    }
    case 'token':
    case 'launch':
      // An authorization decision (permit or deny), as BALP's AuthZconsent records one.
      return { type: code(DCM, '110113', 'Security Alert'), subtype: [own] };
    default:
      return { type: code(DCM, '110113', 'Security Alert'), subtype: [own] };
  }
}

/**
 * The IHE BALP AuditEvent of one record (standards.md §7): for a FHIR access the RESTful shape of its
 * interaction (Create, Read, Update, Delete, Query; Patient* when patients are named, one patient entity per
 * patient), otherwise an authentication or authorization event. Agents: the user (requestor), the client app,
 * the launching EHR and the server; the server is also the source observer. No id: the caller adds it, and
 * the chain extension.
 */
export function balpAuditEvent(record: AuditRecord, server: AuditServerIdentity): AuditEvent {
  const rest = record.kind === 'rest';
  const shape = shapeOf(record);
  const patientShape = (record.patients?.length ?? 0) > 0;
  const role = rest ? roles(shape) : { client: APPLICATION, server: DESTINATION_ROLE };
  const user = userAgent(record);
  const agents = [user, clientAgent(record, role.client, user === undefined), launcherAgent(record), serverAgent(server, role.server)].filter(
    (a): a is AuditEventAgent => a !== undefined,
  );
  const { type, subtype } = rest
    ? { type: code(EVENT_TYPE, 'rest', 'Restful Operation'), subtype: [code(RESTFUL, record.event)] }
    : serverEventType(record);
  const profiles = [LUCARNE_AUDIT_PROFILE];
  if (rest && shape !== 'Execute') profiles.push(`${BALP}${patientShape ? 'Patient' : ''}${shape}`);
  const source: AuditEventSource = {
    site: hostOf(server.baseUrl),
    observer: { identifier: { system: 'urn:ietf:rfc:3986', value: server.baseUrl }, display: server.name ?? 'Lucarne' },
    type: [code(SOURCE_TYPE, '4', 'Application Server')],
  };
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    // meta is outside the hash (the store writes in it): the profiles are a claim, not evidence.
    meta: { profile: profiles },
    type,
    subtype,
    action: record.action,
    recorded: record.recorded,
    outcome: outcomeOf(record.status),
    agent: agents,
    source,
    entity: entities(record),
  };
  if (record.outcomeDescription !== undefined) event.outcomeDesc = record.outcomeDescription;
  const purposeOfEvent = purposes(record);
  if (purposeOfEvent.length > 0) event.purposeOfEvent = purposeOfEvent;
  return event;
}
