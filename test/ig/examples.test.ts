import { createHash } from 'node:crypto';
import type { Attachment, Observation, Patient, Reference } from '@medplum/fhirtypes';
import { CONFORMANCE_FOLDERS, readConformanceFolders } from '../../src/config/conformance-folders';
import { loadDefinitions } from '../../src/fhir/conformance/definitions';
import { createValidator } from '../../src/fhir/validation/create-validator';
import { LUCARNE_PROFILES, readExamples } from './ig-files';
import { REPO_ROOT } from './ig-test-server';

const definitions = loadDefinitions({ extra: readConformanceFolders(CONFORMANCE_FOLDERS, REPO_ROOT).resources });
const validator = createValidator(definitions);
const examples = readExamples();
const byKey = new Map(examples.map(({ resource }) => [`${resource.resourceType}/${resource.id}`, resource]));

/** NIR check key: 97 - (body mod 97), Corsica 2A -> 19, 2B -> 18 (standards §1.3). */
function nirKeyIsValid(nir: string): boolean {
  const body = nir.slice(0, 13).toUpperCase().replace('2A', '19').replace('2B', '18');
  return /^\d{13}$/.test(body) && 97 - Number(BigInt(body) % 97n) === Number(nir.slice(13));
}

describe('ig/examples', () => {
  it('holds the examples the guide promises, one per file named Type-id.json', () => {
    expect([...byKey.keys()].sort()).toEqual([
      'AuditEvent/example-read-study',
      'DiagnosticReport/example-ct-head',
      'Endpoint/example-dicomweb',
      'ImagingStudy/example-ct-head',
      'Observation/example-ct-dose',
      'Organization/example-chu',
      'Patient/example-ins',
      'ServiceRequest/example-ct-head',
    ]);
    for (const { file, resource } of examples) expect(file).toBe(`ig/examples/${resource.resourceType}-${resource.id}.json`);
  });

  describe.each(examples.map((e) => [e.file, e.resource] as const))('%s', (_file, resource) => {
    const profile = resource.meta?.profile?.[0];

    it('declares exactly one profile, a Lucarne one or the R4 base', () => {
      expect(resource.meta?.profile).toHaveLength(1);
      expect([...LUCARNE_PROFILES, `http://hl7.org/fhir/StructureDefinition/${resource.resourceType}`]).toContain(profile);
    });

    it('validates (against its profile when that profile is loaded, else against the R4 base)', () => {
      const options = profile && definitions.profile(profile) ? { profile } : {};
      const errors = validator.validate(resource, options).filter((i) => i.severity === 'error' || i.severity === 'fatal');
      expect(errors).toEqual([]);
    });

    it('references only other examples (the set is closed)', () => {
      for (const ref of references(resource)) expect([ref, byKey.has(ref.replace(/\/_history\/.*$/, ''))]).toEqual([ref, true]);
    });
  });

  it('the patient carries a valid INS-NIR on a qualified identity and two IPPs from two facilities', () => {
    const patient = byKey.get('Patient/example-ins') as Patient;
    const ins = patient.identifier?.filter((i) => i.system === 'urn:oid:1.2.250.1.213.1.4.8') ?? [];
    expect(ins).toHaveLength(1);
    expect(nirKeyIsValid(ins[0]?.value ?? '')).toBe(true);
    expect(nirKeyIsValid('255081416802538')).toBe(true);
    expect(nirKeyIsValid('123456789012244')).toBe(false);
    const status = patient.extension?.find((e) => e.url.endsWith('fr-core-identity-reliability'))?.extension?.find((e) => e.url === 'identityStatus');
    expect(status?.valueCoding?.code).toBe('QUAL');
    const ipps = patient.identifier?.filter((i) => i.type?.coding?.some((c) => c.code === 'PI')) ?? [];
    expect(new Set(ipps.map((i) => i.system)).size).toBe(2);
    for (const ipp of ipps) expect(ipp.assigner?.identifier?.system).toBe('http://finess.sante.gouv.fr');
  });

  it('dose quantities are UCUM with system and code, and the report PDF has a true size and SHA-1', () => {
    const dose = byKey.get('Observation/example-ct-dose') as Observation;
    const quantities = dose.component?.flatMap((c) => (c.valueQuantity ? [c.valueQuantity] : [])) ?? [];
    expect(quantities.map((q) => q.code)).toEqual(expect.arrayContaining(['mGy.cm', 'mGy']));
    for (const q of quantities) expect(q).toMatchObject({ system: 'http://unitsofmeasure.org', code: q.unit });
    const pdf = (byKey.get('DiagnosticReport/example-ct-head') as { presentedForm: Attachment[] }).presentedForm[0];
    const bytes = Buffer.from(pdf.data ?? '', 'base64');
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.size).toBe(bytes.length);
    expect(pdf.hash).toBe(createHash('sha1').update(bytes).digest('base64'));
  });

  it('the validator behind these checks rejects a broken copy of an example (so the checks can fail)', () => {
    const broken = { ...(byKey.get('ImagingStudy/example-ct-head') as object), status: 'done', numberOfSeries: 'one' };
    expect(validator.validate(broken).filter((i) => i.severity === 'error').length).toBeGreaterThanOrEqual(2);
  });

  it('profile validation is really applied: a birth name without family name and a report without its LOINC code fail their profiles', () => {
    const patient = structuredClone(byKey.get('Patient/example-ins') as Patient);
    const official = patient.name?.find((n) => n.use === 'official');
    if (official) delete official.family;
    const profileErrors = (r: object, profile: string) => validator.validate(r, { profile }).filter((i) => i.severity === 'error');
    expect(profileErrors(patient, LUCARNE_PROFILES[0])).not.toEqual([]);
    const report = { ...(byKey.get('DiagnosticReport/example-ct-head') as object), code: { coding: [{ system: 'http://loinc.org', code: '11111-1' }] } };
    expect(profileErrors(report, LUCARNE_PROFILES[3])).not.toEqual([]);
  });

  it('every Lucarne profile the examples declare is loaded from profiles/', () => {
    expect(LUCARNE_PROFILES.filter((url) => !definitions.profile(url))).toEqual([]);
  });
});

function references(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) references(v, found);
  else if (value && typeof value === 'object') {
    const ref = (value as Reference).reference;
    if (typeof ref === 'string') found.push(ref);
    for (const v of Object.values(value)) references(v, found);
  }
  return found;
}

