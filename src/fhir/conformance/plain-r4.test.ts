import { loadDefinitions } from './definitions';
import { isR4TargetProfile } from './plain-r4';
import { R4_RESOURCE_TYPES } from './r4-resource-types';

describe('base definitions are plain R4', () => {
  const definitions = loadDefinitions();

  it('define exactly the R4 resource types (no SubscriptionStatus, Bot, ...)', () => {
    expect(definitions.resourceTypes).toEqual([...R4_RESOURCE_TYPES].sort());
    expect(definitions.isResourceType('SubscriptionStatus')).toBe(false);
    expect(definitions.profile('http://hl7.org/fhir/StructureDefinition/SubscriptionStatus')).toBeUndefined();
  });

  it('let AuditEvent.source.observer target only the R4 resources', () => {
    const observer = definitions.structureDefinition('AuditEvent')?.snapshot?.element.find((e) => e.id === 'AuditEvent.source.observer');
    const targets = observer?.type?.[0].targetProfile ?? [];
    expect(targets).toContain('http://hl7.org/fhir/StructureDefinition/Device');
    expect(targets.filter((t) => !isR4TargetProfile(t))).toEqual([]);
  });

  it('reference no type or target outside R4 anywhere', () => {
    const wider: string[] = [];
    for (const type of [...definitions.resourceTypes, 'Identifier', 'Reference', 'Extension', 'Meta']) {
      for (const element of definitions.structureDefinition(type)?.snapshot?.element ?? []) {
        for (const t of element.type ?? []) for (const p of t.targetProfile ?? []) if (!isR4TargetProfile(p)) wider.push(`${element.id} ${p}`);
      }
    }
    expect(wider).toEqual([]);
  });

  it('name the source of every inherited constraint', () => {
    const pat1 = definitions.structureDefinition('Patient')?.snapshot?.element.find((e) => e.id === 'Patient.contact')?.constraint;
    expect(pat1?.find((c) => c.key === 'pat-1')?.source).toBe('http://hl7.org/fhir/StructureDefinition/Patient');
  });
});
