import type { Observation, Patient } from '@medplum/fhirtypes';
import { prepareResource, storedText } from './prepared-resource';

const noRows = () => ({});

describe('prepared resources', () => {
  it('write the stored JSON with resourceType, id and meta first, and the assigned meta fields in meta', () => {
    const patient: Patient & { id: string } = {
      name: [{ family: 'Lefèvre', given: ['Zoé "Zo"'] }],
      resourceType: 'Patient',
      meta: { profile: ['https://lucarne.example/fhir/StructureDefinition/lucarne-patient'], versionId: 'old', lastUpdated: '2000-01-01T00:00:00Z' },
      id: 'p1',
      active: true,
    };
    const text = storedText(prepareResource(patient, noRows), '3', '2026-11-24T10:00:00.000Z');
    const parsed = JSON.parse(text) as Patient;
    expect(Object.keys(parsed)).toEqual(['resourceType', 'id', 'meta', 'name', 'active']);
    expect(parsed.meta).toEqual({
      profile: ['https://lucarne.example/fhir/StructureDefinition/lucarne-patient'],
      versionId: '3',
      lastUpdated: '2026-11-24T10:00:00.000Z',
    });
    expect(parsed).toMatchObject({ name: patient.name, active: true });
    // Reads answer with the text as is: it must be what JSON.stringify gives for its own parse.
    expect(JSON.stringify(parsed)).toBe(text);
  });

  it('handle resources without meta or without any other element', () => {
    const bare = storedText(prepareResource({ resourceType: 'Observation', id: 'o' } as Observation & { id: string }, noRows), '1', 'T');
    expect(bare).toBe('{"resourceType":"Observation","id":"o","meta":{"versionId":"1","lastUpdated":"T"}}');
    expect(JSON.stringify(JSON.parse(bare))).toBe(bare);
    const metaOnly = storedText(prepareResource({ resourceType: 'Patient', id: 'p', meta: { versionId: '9' } }, noRows), '10', 'T');
    expect(JSON.parse(metaOnly)).toEqual({ resourceType: 'Patient', id: 'p', meta: { versionId: '10', lastUpdated: 'T' } });
  });

  it('carry the index rows of the resource', () => {
    const rows = { token: ['gender', 0, 'http://hl7.org/fhir/administrative-gender', 'female'] };
    expect(prepareResource({ resourceType: 'Patient', id: 'p', gender: 'female' }, () => rows).rows).toBe(rows);
  });
});
