import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImplementationGuide, StructureDefinition } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../src/fhir/conformance/definitions';
import { createValidator } from '../../src/fhir/validation/create-validator';
import { generateIgFiles, PAGES_DIR } from '../../scripts/ig/generate-pages';
import { IG_FILE, readIgSources } from '../../scripts/ig/ig-sources';
import { profilePage } from '../../scripts/ig/profile-page';
import { LUCARNE_PROFILES } from './ig-files';
import { REPO_ROOT } from './ig-test-server';

const generated = generateIgFiles(REPO_ROOT);
const STALE = 'stale: run `npx tsx scripts/ig/generate-pages.ts` and commit the result';

describe('generated guide files (ImplementationGuide + ig/pages)', () => {
  it.each([...generated.keys()])('%s is up to date', (file) => {
    let onDisk: string | undefined;
    try {
      onDisk = readFileSync(join(REPO_ROOT, file), 'utf8');
    } catch {
      onDisk = undefined;
    }
    expect({ file, upToDate: onDisk === generated.get(file) }).toEqual({ file, upToDate: true, ...(onDisk === generated.get(file) ? {} : { hint: STALE }) });
  });

  it('ig/pages holds no page without a profile', () => {
    const pages = readdirSync(join(REPO_ROOT, PAGES_DIR)).map((n) => `${PAGES_DIR}/${n}`);
    expect(pages.filter((p) => !generated.has(p))).toEqual([]);
  });

  it('there is a page for each of the seven Lucarne profiles', () => {
    for (const url of LUCARNE_PROFILES) expect(generated.has(`${PAGES_DIR}/${url.split('/').pop()}.md`)).toBe(true);
  });
});

describe('ImplementationGuide-lucarne.json', () => {
  const ig = JSON.parse(generated.get(IG_FILE) as string) as ImplementationGuide;
  const listed = new Map((ig.definition?.resource ?? []).map((r) => [r.reference.reference, r]));

  it('is an R4 guide with its canonical URL, package and the FR Core dependency', () => {
    expect(ig).toMatchObject({ url: 'https://lucarne.example/fhir/ImplementationGuide/lucarne', packageId: 'lucarne.fhir.imaging', fhirVersion: ['4.0.1'] });
    expect(ig.dependsOn).toContainEqual(expect.objectContaining({ packageId: 'hl7.fhir.fr.core', uri: 'https://hl7.fr/ig/fhir/core/ImplementationGuide/hl7.fhir.fr.core' }));
    const errors = createValidator(loadDefinitions()).validate(ig).filter((i) => i.severity === 'error');
    expect(errors).toEqual([]);
  });

  it('lists every conformance resource of profiles/, terminology/ and ig/, and every example with exampleCanonical', () => {
    const sources = readIgSources(REPO_ROOT);
    const wanted = ['StructureDefinition', 'ValueSet', 'CodeSystem', 'SearchParameter', 'OperationDefinition', 'CapabilityStatement'];
    const conformance = sources.conformance.map((f) => f.resource).filter((r) => wanted.includes(r.resourceType));
    expect(conformance.length).toBeGreaterThanOrEqual(7 + 19 + 4 + 1);
    for (const r of conformance) expect(listed.get(`${r.resourceType}/${r.id}`)?.exampleCanonical).toBeUndefined();
    for (const r of conformance) expect(listed.has(`${r.resourceType}/${r.id}`)).toBe(true);
    for (const url of LUCARNE_PROFILES) expect(listed.has(`StructureDefinition/${url.split('/').pop()}`)).toBe(true);
    expect(listed.has('CapabilityStatement/lucarne')).toBe(true);
    expect(sources.examples.length).toBe(8);
    for (const { resource } of sources.examples) {
      expect(listed.get(`${resource.resourceType}/${resource.id}`)).toMatchObject({ exampleCanonical: resource.meta?.profile?.[0], groupingId: 'examples' });
    }
  });
});

describe('profilePage', () => {
  const profile: StructureDefinition = {
    resourceType: 'StructureDefinition',
    id: 'demo',
    url: 'https://lucarne.example/fhir/StructureDefinition/demo',
    name: 'Demo',
    title: 'Demo profile',
    status: 'draft',
    kind: 'resource',
    abstract: false,
    type: 'ServiceRequest',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/ServiceRequest',
    derivation: 'constraint',
    differential: {
      element: [
        { id: 'ServiceRequest.identifier', path: 'ServiceRequest.identifier', slicing: { discriminator: [{ type: 'pattern', path: 'type' }], rules: 'open' } },
        { id: 'ServiceRequest.identifier:accession', path: 'ServiceRequest.identifier', sliceName: 'accession', min: 1, max: '1' },
        { id: 'ServiceRequest.identifier:accession.type', path: 'ServiceRequest.identifier.type', patternCodeableConcept: { coding: [{ code: 'ACSN' }] } },
        { id: 'ServiceRequest.code', path: 'ServiceRequest.code', min: 1, binding: { strength: 'required', valueSet: 'https://lucarne.example/fhir/ValueSet/imaging-act' } },
        { id: 'ServiceRequest.subject', path: 'ServiceRequest.subject', type: [{ code: 'Reference', targetProfile: ['https://lucarne.example/fhir/StructureDefinition/lucarne-patient'] }] },
        { id: 'ServiceRequest.status', path: 'ServiceRequest.status', constraint: [{ key: 'demo-1', severity: 'error', human: 'a | b', expression: "status = 'active'" }] },
      ],
    },
  };
  const page = profilePage(profile, [{ resourceType: 'ServiceRequest', id: 'ex', status: 'active', intent: 'order', subject: {} }]);

  it('renders cardinality, slicing, pattern, binding, target profiles, invariants and example links', () => {
    expect(page).toContain('| `ServiceRequest.identifier` |  |  |  |  | sliced by pattern:type, open |  |');
    expect(page).toContain('| `ServiceRequest.identifier:accession` | 1..1 |');
    expect(page).toContain('pattern `{"coding":[{"code":"ACSN"}]}`');
    expect(page).toContain('required `https://lucarne.example/fhir/ValueSet/imaging-act`');
    expect(page).toContain('Reference(lucarne-patient)');
    expect(page).toContain("| demo-1 | ServiceRequest.status | error | a \\| b | `status = 'active'` |");
    expect(page).toContain('- [ServiceRequest/ex](../examples/ServiceRequest-ex.json)');
  });
});
