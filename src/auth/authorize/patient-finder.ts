import type { Bundle, Patient } from '@medplum/fhirtypes';
import type { Caller } from '../../fhir/rest/caller';
import type { FhirRequest, FhirResponse } from '../../fhir/rest/fhir-request';
import type { AuthenticatedUser } from '../contracts';
import type { PatientChoice } from '../pages/flow-pages';

/** Runs one FHIR interaction through the server's one door (access decision and audit) as `caller`. */
export type FhirDispatch = (request: FhirRequest, caller: Caller) => Promise<FhirResponse>;

/** INS identifiers (NIR and NIA, standards.md §1) are shown first: they name the person nationally. */
const INS_SYSTEM = /^urn:oid:1\.2\.250\.1\.213\.1\.4\./;
const PICKER_PAGE = 20;

export interface PatientFinder {
  /** Patients the user may see matching `text` (name, or identifier when it has digits); none when the user has no FHIR record. */
  search(user: AuthenticatedUser, clientId: string, text: string): Promise<{ patients: PatientChoice[]; notLinked: boolean }>;
  /** The patient if the user may see it. */
  get(user: AuthenticatedUser, clientId: string, id: string): Promise<PatientChoice | undefined>;
}

/**
 * The standalone launch's patient picker reads patients as the signed-in user through the FHIR dispatch, so
 * that it offers only the patients the access decision lets that user see, and each lookup is audited.
 */
export function createPatientFinder(dispatch: FhirDispatch): PatientFinder {
  const callerFor = (user: AuthenticatedUser, clientId: string): Caller => ({
    clientId,
    ...(user.fhirUser ? { user: user.fhirUser } : {}),
    subject: user.subject,
    scopes: ['user/Patient.rs'],
    purposeOfUse: [],
  });
  const request = (path: string, query: URLSearchParams): FhirRequest => ({ method: 'GET', path, query, headers: {} });

  return {
    async search(user, clientId, text) {
      if (!user.fhirUser) return { patients: [], notLinked: true };
      const query = new URLSearchParams({ _count: String(PICKER_PAGE) });
      const term = text.trim().slice(0, 100);
      if (term !== '') query.set(/\d/.test(term) ? 'identifier' : 'name', term);
      const response = await dispatch(request('Patient', query), callerFor(user, clientId));
      if (response.status !== 200) return { patients: [], notLinked: false };
      const bundle = response.body as Bundle<Patient>;
      return { patients: (bundle.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'Patient' ? [choiceOf(e.resource)] : [])), notLinked: false };
    },
    async get(user, clientId, id) {
      if (!/^[A-Za-z0-9.-]{1,64}$/.test(id)) return undefined;
      const response = await dispatch(request(`Patient/${id}`, new URLSearchParams()), callerFor(user, clientId));
      if (response.status !== 200) return undefined;
      const patient = (response.body ?? (response.rawBody ? JSON.parse(response.rawBody) : undefined)) as Patient | undefined;
      return patient?.resourceType === 'Patient' ? choiceOf(patient) : undefined;
    },
  };
}

export function choiceOf(patient: Patient): PatientChoice {
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0];
  const text = name?.text ?? [...(name?.given ?? []), (name?.family ?? '').toUpperCase()].filter((s) => s !== '').join(' ');
  const ins = patient.identifier?.find((i) => INS_SYSTEM.test(i.system ?? ''));
  const identifier = (ins ?? patient.identifier?.[0])?.value;
  return {
    id: patient.id ?? '',
    name: text || '—',
    ...(patient.birthDate ? { birthDate: patient.birthDate } : {}),
    ...(identifier ? { identifier: ins ? `INS ${identifier}` : identifier } : {}),
  };
}
