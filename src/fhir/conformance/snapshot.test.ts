import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StructureDefinition } from '@medplum/fhirtypes';
import { loadDefinitions } from './definitions';
import { isR4TargetProfile } from './plain-r4';
import { R4_RESOURCE_TYPES } from './r4-resource-types';
import { generateSnapshot } from './snapshot';
import { buildSnapshots, profileText, readProfileFiles } from './snapshot-files';

const PROFILES = join(__dirname, '..', '..', '..', 'profiles');
const definitions = loadDefinitions();

describe('checked-in profile snapshots', () => {
  const files = readProfileFiles(PROFILES);

  it('finds the seven Lucarne profiles and the FR Core extensions they use', () => {
    expect(files.map((f) => f.profile.id)).toEqual([
      'lucarne-audit-event',
      'lucarne-dicomweb-endpoint',
      'lucarne-dose-summary',
      'lucarne-imaging-order',
      'lucarne-imaging-report',
      'lucarne-imaging-study',
      'lucarne-patient',
      'fr-core-identity-reliability',
      'fr-core-patient-birth-list-given-name',
    ]);
  });

  it.each(buildSnapshots(files, definitions).map((f) => [f.profile.id, f] as const))(
    '%s is what scripts/profiles/build-snapshots.ts generates (run it after editing a differential)',
    (_id, built) => {
      expect(readFileSync(built.file, 'utf8')).toBe(profileText(built.profile));
    },
  );

  it.each(buildSnapshots(files, definitions).map((f) => [f.profile.id, f] as const))(
    '%s is never wider than R4: every reference target and type is an R4 one',
    (_id, built) => {
      const wider: string[] = [];
      for (const element of built.profile.snapshot?.element ?? []) {
        for (const type of element.type ?? []) {
          for (const target of type.targetProfile ?? []) if (!isR4TargetProfile(target)) wider.push(`${element.id} -> ${target}`);
          const code = type.code as string;
          if (/^[A-Z]/.test(code) && !R4_RESOURCE_TYPES.has(code) && !definitions.structureDefinition(code)) wider.push(`${element.id}: ${code}`);
        }
      }
      expect(wider).toEqual([]);
    },
  );

  it.each(buildSnapshots(files, definitions).map((f) => [f.profile.id, f] as const))(
    '%s: every snapshot constraint names its source, the profile for its own ones',
    (_id, built) => {
      const elements = built.profile.snapshot?.element ?? [];
      expect(elements.flatMap((e) => (e.constraint ?? []).filter((c) => !c.source).map((c) => `${e.id} ${c.key}`))).toEqual([]);
      const own = new Set((built.profile.differential?.element ?? []).flatMap((e) => (e.constraint ?? []).map((c) => c.key)));
      for (const e of elements) for (const c of e.constraint ?? []) if (own.has(c.key)) expect(c.source).toBe(built.profile.url);
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

  it('refuses a differential whose elements are not in snapshot order (a slice child before an earlier sibling)', () => {
    const sliced = (children: string[]) =>
      profile([
        { id: 'Patient.identifier', path: 'Patient.identifier', slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'open' } },
        { id: 'Patient.identifier:a', path: 'Patient.identifier', sliceName: 'a' },
        ...children.map((c) => ({ id: `Patient.identifier:a.${c}`, path: `Patient.identifier.${c}`, min: 1 })),
      ]);
    expect(() => generateSnapshot(sliced(['system', 'value']), sources)).not.toThrow();
    expect(() => generateSnapshot(sliced(['value', 'system']), sources)).toThrow(
      /'Patient.identifier:a.system' comes after 'Patient.identifier:a.value'/,
    );
  });

  it('refuses an element that is not in the base and a slice before its slicing', () => {
    expect(() => generateSnapshot(profile([{ id: 'Patient.nope', path: 'Patient.nope' }]), sources)).toThrow(/not in the base/);
    expect(() => generateSnapshot(profile([{ id: 'Patient.name:x', path: 'Patient.name', sliceName: 'x' }]), sources)).toThrow(/before its slicing/);
  });
});
