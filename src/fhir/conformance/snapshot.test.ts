import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StructureDefinition } from '@medplum/fhirtypes';
import { loadDefinitions } from './definitions';
import { generateSnapshot } from './snapshot';
import { buildSnapshots, profileText, readProfileFiles } from './snapshot-files';

const PROFILES = join(__dirname, '..', '..', '..', 'profiles');
const definitions = loadDefinitions();

describe('checked-in profile snapshots', () => {
  const files = readProfileFiles(PROFILES);

  it('finds the seven Lucarne profiles', () => {
    expect(files.map((f) => f.profile.id)).toEqual([
      'lucarne-audit-event',
      'lucarne-dicomweb-endpoint',
      'lucarne-dose-summary',
      'lucarne-imaging-order',
      'lucarne-imaging-report',
      'lucarne-imaging-study',
      'lucarne-patient',
    ]);
  });

  it.each(buildSnapshots(files, definitions).map((f) => [f.profile.id, f] as const))(
    '%s is what scripts/profiles/build-snapshots.ts generates (run it after editing a differential)',
    (_id, built) => {
      expect(readFileSync(built.file, 'utf8')).toBe(profileText(built.profile));
    },
  );
});

describe('generateSnapshot', () => {
  const sources = { byUrl: (u: string) => definitions.profile(u), byType: (t: string) => definitions.structureDefinition(t) };
  const profile = (elements: object[]): StructureDefinition =>
    ({
      resourceType: 'StructureDefinition',
      url: 'https://lucarne.example/fhir/StructureDefinition/t',
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient',
      derivation: 'constraint',
      type: 'Patient',
      differential: { element: elements },
    }) as StructureDefinition;

  it('merges, adds slices with their children after the sliced element and expands datatypes', () => {
    const snapshot = generateSnapshot(
      profile([
        { id: 'Patient.identifier', path: 'Patient.identifier', slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'closed' }, min: 1 },
        { id: 'Patient.identifier:a', path: 'Patient.identifier', sliceName: 'a' },
        { id: 'Patient.identifier:a.system', path: 'Patient.identifier.system', fixedUri: 'urn:a' },
        { id: 'Patient.gender', path: 'Patient.gender', constraint: [{ key: 'x-1', severity: 'error', human: 'h', expression: 'true' }] },
      ]),
      sources,
    );
    const ids = snapshot.map((e) => e.id);
    const at = (id: string) => snapshot[ids.indexOf(id)];
    expect(at('Patient.identifier').min).toBe(1);
    expect(ids.indexOf('Patient.identifier:a')).toBe(ids.indexOf('Patient.identifier') + 1);
    expect(ids.indexOf('Patient.identifier:a.assigner')).toBe(ids.indexOf('Patient.identifier:a') + 8);
    expect(ids.indexOf('Patient.active')).toBeGreaterThan(ids.indexOf('Patient.identifier:a.assigner'));
    expect(at('Patient.identifier:a')).toMatchObject({ sliceName: 'a', path: 'Patient.identifier' });
    expect(at('Patient.identifier:a').slicing).toBeUndefined();
    expect(at('Patient.identifier:a.system')).toMatchObject({ path: 'Patient.identifier.system', fixedUri: 'urn:a' });
    expect(at('Patient.gender').constraint?.map((c) => c.key)).toEqual(['ele-1', 'x-1']);
  });

  it('refuses an element that is not in the base and a slice before its slicing', () => {
    expect(() => generateSnapshot(profile([{ id: 'Patient.nope', path: 'Patient.nope' }]), sources)).toThrow(/not in the base/);
    expect(() => generateSnapshot(profile([{ id: 'Patient.name:x', path: 'Patient.name', sliceName: 'x' }]), sources)).toThrow(/before its slicing/);
  });
});
