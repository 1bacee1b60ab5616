import type { Bundle, Reference, Resource } from '@medplum/fhirtypes';
import { Dataset } from '../../bench/generate/dataset';
import { CITIES, personName } from '../../bench/generate/names';
import { Prng } from '../../bench/generate/prng';

export const ORACLE_BASE_URL = 'http://127.0.0.1/fhir';
const UCUM = 'http://unitsofmeasure.org';
const LOINC = 'http://loinc.org';
const NIR = 'urn:oid:1.2.250.1.213.1.4.8';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

type Stored = Resource & { id: string };

/**
 * The oracle's data: the realistic imaging records of the benchmark generator (references rewritten from
 * urn:uuid to Type/id) plus resources of our own made for the awkward cases: partial dates, periods (open
 * ones too), zones other than UTC, quantities with and without unit systems, codings without a system,
 * references as Type/id, absolute URLs (local and foreign), identifier-only and display-only, absent
 * elements (for :missing), profiles and instantiatesUri (uri), numbers. Deterministic for a seed.
 */
export function oracleResources(seed = 4242): Stored[] {
  const out: Stored[] = [];
  // A fixed last visit date: the data (and so the drawn queries) must not change with the day the tests run.
  const dataset = new Dataset({ seed, patients: 40, encounters: [1, 3], facilities: 3, practitionersPerFacility: 3, until: new Date('2025-12-31T00:00:00Z') });
  for (const e of dataset.referenceBundle().entry ?? []) out.push(e.resource as Stored);
  const types = new Map<string, string>();
  for (const bundle of dataset.patientBundles()) {
    for (const entry of (bundle as Bundle).entry ?? []) {
      const id = entry.fullUrl!.slice('urn:uuid:'.length);
      types.set(id, entry.resource!.resourceType);
      const r = JSON.parse(JSON.stringify({ ...entry.resource, id }), (k, v) =>
        k === 'reference' && typeof v === 'string' && v.startsWith('urn:uuid:') ? `${types.get(v.slice(9))}/${v.slice(9)}` : v,
      ) as Stored;
      out.push(r);
    }
  }
  out.push(...varietyResources(new Prng(seed ^ 0x0dd), out));
  return out;
}

const ZONES = ['Z', '+00:00', '+01:00', '+02:00', '-05:00', '+05:30', '-09:30'];

function dateTime(prng: Prng, zone = true): string {
  const y = prng.int(2015, 2025);
  const mo = String(prng.int(1, 12)).padStart(2, '0');
  const d = String(prng.int(1, 28)).padStart(2, '0');
  const h = String(prng.int(0, 23)).padStart(2, '0');
  const mi = String(prng.int(0, 59)).padStart(2, '0');
  const s = String(prng.int(0, 59)).padStart(2, '0');
  const ms = prng.chance(0.3) ? `.${prng.digits(3)}` : '';
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${zone ? prng.pick(ZONES) : 'Z'}`;
}

/** A date of any precision: year, month, day or dateTime. */
function partialDate(prng: Prng): string {
  const full = dateTime(prng);
  switch (prng.int(0, 3)) {
    case 0: return full.slice(0, 4);
    case 1: return full.slice(0, 7);
    case 2: return full.slice(0, 10);
    default: return full;
  }
}

function reference(prng: Prng, type: string, ids: string[]): Reference {
  const id = prng.pick(ids);
  switch (prng.int(0, 9)) {
    case 0: return { reference: `${ORACLE_BASE_URL}/${type}/${id}` };
    case 1: return { reference: `https://autre-hopital.example.org/fhir/${type}/${prng.int(1, 5)}` };
    case 2: return { identifier: { system: NIR, value: `1${prng.digits(14)}` } };
    default: return { reference: `${type}/${id}` };
  }
}

function varietyResources(prng: Prng, existing: Stored[]): Stored[] {
  const out: Stored[] = [];
  const ids = (type: string) => existing.filter((r) => r.resourceType === type).map((r) => r.id);
  const practitioners = ids('Practitioner');
  const organizations = ids('Organization');
  const patients: string[] = [];
  for (let n = 1; n <= 60; n++) {
    const sex = prng.chance(0.5) ? 'male' : 'female';
    const name = personName(prng, sex);
    const id = `vp-${n}`;
    patients.push(id);
    const identifier = [
      { use: 'official' as const, type: { coding: [{ system: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203', code: 'INS-NIR' }] }, system: NIR, value: `${sex === 'male' ? 1 : 2}${prng.digits(14)}` },
      ...(prng.chance(0.6) ? [{ type: { coding: [{ system: V2_0203, code: 'PI' }], text: 'IPP' }, system: `urn:oid:1.2.250.1.999999.${prng.int(1, 3)}.1`, value: prng.digits(8) }] : []),
      ...(prng.chance(0.2) ? [{ value: `LOCAL-${prng.digits(4)}` }] : []),
    ];
    const city = prng.pick(CITIES);
    out.push({
      resourceType: 'Patient',
      id,
      ...(prng.chance(0.3) ? { meta: { profile: ['https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient'] } } : {}),
      active: prng.chance(0.8),
      identifier,
      name: [{ use: 'official', family: name.family, given: name.given, ...(prng.chance(0.2) ? { prefix: ['Mme'] } : {}) }],
      ...(prng.chance(0.85) ? { gender: sex } : {}),
      ...(prng.chance(0.9) ? { birthDate: partialDate(prng).slice(0, prng.pick([4, 7, 10, 10])) } : {}),
      ...(prng.chance(0.1) ? { deceasedDateTime: dateTime(prng) } : {}),
      ...(prng.chance(0.7) ? { address: [{ city: city.city, postalCode: city.postalCode, country: 'FR' }] } : {}),
      ...(prng.chance(0.7) ? { telecom: [{ system: prng.pick(['phone', 'email'] as const), value: `0${prng.digits(9)}` }] } : {}),
      ...(prng.chance(0.7) ? { generalPractitioner: [reference(prng, 'Practitioner', practitioners)] } : {}),
      ...(prng.chance(0.5) ? { managingOrganization: { reference: `Organization/${prng.pick(organizations)}` } } : {}),
    } as Stored);
  }
  const allPatients = [...patients, ...ids('Patient').slice(0, 20)];
  const observations: string[] = [];
  const CODES = [
    { system: LOINC, code: '29463-7', display: 'Body weight', unit: { unit: 'kg', system: UCUM, code: 'kg' }, range: [40, 120] },
    { system: LOINC, code: '8302-2', display: 'Body height', unit: { unit: 'cm', system: UCUM, code: 'cm' }, range: [140, 200] },
    { system: LOINC, code: '8480-6', display: 'Systolic blood pressure', unit: { unit: 'mmHg', system: UCUM, code: 'mm[Hg]' }, range: [90, 180] },
    { code: 'TEMP-LOC', display: 'Température locale', unit: { unit: '°C' }, range: [35, 41] },
    { system: 'urn:oid:1.2.250.1.999999.9', code: 'DOSE', display: 'Dose efficace', unit: { unit: 'mSv', code: 'mSv' }, range: [0, 30] },
  ];
  for (let n = 1; n <= 220; n++) {
    const c = prng.pick(CODES);
    const id = `vo-${n}`;
    observations.push(id);
    const decimals = prng.int(0, 2);
    const value = Number((c.range[0] + prng.next() * (c.range[1] - c.range[0])).toFixed(decimals));
    const when = prng.int(0, 4);
    const effective =
      when === 0 ? {} :
      when === 1 ? { effectivePeriod: { start: dateTime(prng), ...(prng.chance(0.7) ? {} : {}) } } :
      when === 2 ? (() => { const s = dateTime(prng, false); return { effectivePeriod: { start: s, end: new Date(Date.parse(s) + prng.int(1, 72) * 3600_000).toISOString() } }; })() :
      { effectiveDateTime: partialDate(prng) };
    out.push({
      resourceType: 'Observation',
      id,
      status: prng.pick(['final', 'amended', 'preliminary']),
      ...(prng.chance(0.7) ? { category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: prng.pick(['vital-signs', 'imaging', 'exam']) }] }] } : {}),
      code: { coding: [{ ...(c.system ? { system: c.system } : {}), code: c.code, display: c.display }], ...(prng.chance(0.5) ? { text: c.display } : {}) },
      ...(prng.chance(0.9) ? { subject: reference(prng, 'Patient', allPatients) } : {}),
      ...effective,
      ...(prng.chance(0.85) ? { valueQuantity: { value, ...c.unit } } : prng.chance(0.5) ? { valueString: `Résultat ${prng.pick(['normal', 'élevé', 'à contrôler'])}` } : {}),
      ...(prng.chance(0.4) ? { performer: [reference(prng, 'Practitioner', practitioners)] } : {}),
      // Components (for the combo-* parameters) draw nothing from prng: the rest of the data stays as it was.
      ...(n % 3 === 0 ? { component: [
        { code: { coding: [{ system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' }] },
          valueQuantity: { value: Math.round(value / 2), unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
        { code: { coding: [{ system: LOINC, code: CODES[n % CODES.length].code }], text: 'Composante' } },
      ] } : {}),
    } as Stored);
  }
  for (let n = 1; n <= 60; n++) {
    const occurrence = prng.chance(0.5)
      ? { occurrencePeriod: { start: partialDate(prng).slice(0, 10), ...(prng.chance(0.6) ? { end: '2026-01-01' } : {}) } }
      : { occurrenceDateTime: dateTime(prng) };
    out.push({
      resourceType: 'ServiceRequest',
      id: `vs-${n}`,
      status: prng.pick(['active', 'completed', 'revoked']),
      intent: 'order',
      identifier: [{ system: `urn:oid:1.2.250.1.999999.${prng.int(1, 3)}.2`, value: `A${prng.digits(6)}` }],
      code: { coding: [{ system: 'https://smt.esante.gouv.fr/terminologie-ccam', code: prng.pick(['ZBQK002', 'ACQK001', 'NZQH001', 'ZCQH002']) }] },
      subject: reference(prng, 'Patient', allPatients),
      ...occurrence,
      ...(prng.chance(0.8) ? { authoredOn: dateTime(prng) } : {}),
      ...(prng.chance(0.5) ? { requester: reference(prng, 'Practitioner', practitioners) } : {}),
      ...(prng.chance(0.5) ? { instantiatesUri: [prng.pick(['https://protocoles.example.org/irm/genou', 'https://protocoles.example.org/irm/genou/v2', 'https://protocoles.example.org/scanner', 'urn:uuid:' + prng.uuid()])] } : {}),
    } as Stored);
  }
  for (let n = 1; n <= 40; n++) {
    out.push({
      resourceType: 'DiagnosticReport',
      id: `vd-${n}`,
      status: prng.pick(['final', 'preliminary']),
      code: { coding: [{ system: LOINC, code: prng.pick(['18748-4', '24627-2', '36643-5']) }] },
      subject: reference(prng, 'Patient', allPatients),
      ...(prng.chance(0.5) ? { effectivePeriod: { start: partialDate(prng), ...(prng.chance(0.5) ? { end: '2025-06-30T23:59:59+02:00' } : {}) } } : { effectiveDateTime: dateTime(prng) }),
      ...(prng.chance(0.8) ? { issued: dateTime(prng) } : {}),
      result: Array.from({ length: prng.int(0, 3) }, () => ({ reference: `Observation/${prng.pick(observations)}` })),
    } as Stored);
  }
  for (let n = 1; n <= 40; n++) {
    out.push({
      resourceType: 'ImagingStudy',
      id: `vi-${n}`,
      status: prng.pick(['available', 'registered', 'cancelled']),
      modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: prng.pick(['CT', 'MR', 'US', 'DX']) }],
      subject: reference(prng, 'Patient', allPatients),
      ...(prng.chance(0.85) ? { started: prng.chance(0.5) ? dateTime(prng) : partialDate(prng) } : {}),
      identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:2.25.${prng.digits(20)}` }],
      ...(prng.chance(0.5) ? { endpoint: [{ reference: 'Endpoint/pacs-1' }] } : {}),
    } as Stored);
  }
  for (let n = 1; n <= 30; n++) {
    out.push({
      resourceType: 'RiskAssessment',
      id: `vr-${n}`,
      status: 'final',
      subject: { reference: `Patient/${prng.pick(allPatients)}` },
      prediction: [{ probabilityDecimal: Number((prng.next()).toFixed(prng.int(1, 3))) }],
    } as Stored);
  }
  return out;
}
