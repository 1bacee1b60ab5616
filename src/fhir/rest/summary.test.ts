import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { FhirError } from '../../kernel/errors';
import { loadDefinitions } from '../conformance/definitions';
import { applySubsetting, parseSubsetting } from './summary';

const EXAMPLES = join(require.resolve('hl7.fhir.r4.examples/package.json'), '..');
const definitions = loadDefinitions();
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

type Json = Record<string, any>;

function example(file: string): Json {
  return JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Json;
}

function subset(resource: Json, query: string): Json {
  return applySubsetting(definitions, resource as Resource, parseSubsetting(new URLSearchParams(query))) as unknown as Json;
}

describe('_summary=true', () => {
  it('keeps only the summary elements of Patient-example, with _birthDate following birthDate', () => {
    const patient = example('Patient-example.json');
    const before = JSON.stringify(patient);
    const out = subset(patient, '_summary=true');
    expect(Object.keys(out).sort()).toEqual(
      ['resourceType', 'id', 'meta', 'identifier', 'active', 'name', 'telecom', 'gender', 'birthDate', '_birthDate',
        'deceasedBoolean', 'address', 'managingOrganization'].sort(),
    );
    expect(out._birthDate).toEqual(patient._birthDate);
    // Data types are kept whole (HumanName.period, Identifier.assigner / period / type).
    expect(out.name).toEqual(patient.name);
    expect(out.identifier).toEqual(patient.identifier);
    expect(out.meta.tag).toEqual([SUBSETTED]);
    expect(JSON.stringify(patient)).toBe(before);
  });

  it('walks backbone elements: ImagingStudy.series keeps its summary children, instance (not summary) goes', () => {
    const study = example('ImagingStudy-example.json');
    const out = subset(study, '_summary=true');
    expect(out.text).toBeUndefined();
    expect(Object.keys(out.series[0]).sort()).toEqual(['uid', 'number', 'modality', 'description', 'numberOfInstances', 'bodySite'].sort());
    expect(out.series[0].bodySite).toEqual(study.series[0].bodySite);
  });

  it('Observation-blood-pressure: component keeps code and value[x], loses interpretation; category and bodySite go', () => {
    const obs = example('Observation-blood-pressure.json');
    const out = subset(obs, '_summary=true');
    expect(Object.keys(out).sort()).toEqual(
      ['resourceType', 'id', 'meta', 'identifier', 'basedOn', 'status', 'code', 'subject', 'effectiveDateTime', 'performer', 'component'].sort(),
    );
    for (const [i, c] of out.component.entries()) {
      expect(Object.keys(c).sort()).toEqual(['code', 'valueQuantity']);
      expect(c.valueQuantity).toEqual(obs.component[i].valueQuantity);
    }
  });

  it('keeps modifierExtension (summary) but not extension in a backbone element; extensions inside data types stay', () => {
    const study = example('ImagingStudy-example.json');
    const ext = { url: 'http://example.org/ext', valueString: 'x' };
    study.series[0].extension = [ext];
    study.series[0].modifierExtension = [ext];
    study.identifier[0].extension = [ext];
    study.extension = [ext];
    const out = subset(study, '_summary=true');
    expect(out.extension).toBeUndefined();
    expect(out.series[0].extension).toBeUndefined();
    expect(out.series[0].modifierExtension).toEqual([ext]);
    expect(out.identifier[0].extension).toEqual([ext]);
  });

  it('drops Attachment.data, the one data type property outside the summary, and contained resources', () => {
    const doc = {
      resourceType: 'DocumentReference',
      id: 'd1',
      status: 'current',
      contained: [{ resourceType: 'Patient', id: 'p' }],
      content: [{ attachment: { contentType: 'application/pdf', data: 'JVBERi0=', title: 'report' }, format: { code: 'urn:x' } }],
    };
    const out = subset(doc, '_summary=true');
    expect(out.contained).toBeUndefined();
    expect(out.content).toEqual([{ attachment: { contentType: 'application/pdf', title: 'report' }, format: { code: 'urn:x' } }]);
    expect(doc.content[0].attachment.data).toBe('JVBERi0=');
  });

  it('summarises resources inline in a Bundle by their own type', () => {
    const bundle = {
      resourceType: 'Bundle',
      id: 'b',
      type: 'collection',
      entry: [{ fullUrl: 'urn:uuid:1', resource: example('Patient-example.json') }],
    };
    const out = subset(bundle, '_summary=true');
    expect(out.entry[0].fullUrl).toBe('urn:uuid:1');
    expect(out.entry[0].resource.text).toBeUndefined();
    expect(out.entry[0].resource.contact).toBeUndefined();
    expect(out.entry[0].resource.name).toHaveLength(3);
  });

  it('keeps existing tags and never duplicates SUBSETTED', () => {
    const patient = { resourceType: 'Patient', id: 'p', meta: { versionId: '2', tag: [{ system: 'urn:t', code: 'a' }, SUBSETTED] } };
    const out = subset(patient, '_summary=true');
    expect(out.meta).toEqual({ versionId: '2', tag: [{ system: 'urn:t', code: 'a' }, SUBSETTED] });
  });
});

describe('_summary=text, data, false, count', () => {
  it('text keeps text, id, meta and the top-level mandatory elements', () => {
    const out = subset(example('ImagingStudy-example.json'), '_summary=text');
    expect(Object.keys(out).sort()).toEqual(['resourceType', 'id', 'meta', 'text', 'status', 'subject'].sort());
    expect(out.meta.tag).toEqual([SUBSETTED]);
  });

  it('data removes the narrative only', () => {
    const patient = example('Patient-example.json');
    const out = subset(patient, '_summary=data');
    const { text: _text, ...rest } = patient;
    expect({ ...out, meta: undefined }).toEqual({ ...rest, meta: undefined });
    expect(out.contact).toEqual(patient.contact);
    expect(out.meta.tag).toEqual([SUBSETTED]);
  });

  it('false and count return the resource untouched', () => {
    const patient = example('Patient-example.json');
    expect(subset(patient, '_summary=false')).toBe(patient);
    expect(subset(patient, '_summary=count')).toBe(patient);
    expect(subset(patient, '')).toBe(patient);
  });

  it('rejects an unknown value, and text with _include', () => {
    expect(() => parseSubsetting(new URLSearchParams('_summary=yes'))).toThrow(FhirError);
    expect(() => parseSubsetting(new URLSearchParams('_summary=text&_include=Observation:subject'))).toThrow(/_include/);
    expect(() => parseSubsetting(new URLSearchParams('_summary=text&_revinclude:iterate=Observation:subject'))).toThrow(FhirError);
    expect(parseSubsetting(new URLSearchParams('_summary=true&_include=Observation:subject')).summary).toBe('true');
  });
});

describe('_elements', () => {
  it('selects a choice element by its base name or its JSON name, plus the mandatory elements', () => {
    const obs = example('Observation-example.json');
    const byBase = subset(obs, '_elements=value,code');
    expect(Object.keys(byBase).sort()).toEqual(['resourceType', 'id', 'meta', 'status', 'code', 'valueQuantity'].sort());
    expect(byBase.valueQuantity).toEqual(obs.valueQuantity);
    expect(subset(obs, '_elements=valueQuantity').valueQuantity).toEqual(obs.valueQuantity);
    expect(subset(obs, '_elements=valueString').valueQuantity).toBeUndefined();
    expect(byBase.meta.tag).toEqual([SUBSETTED]);
  });

  it('applies Type.name only to that type, ignores unknown names, keeps _x siblings and whole values', () => {
    const patient = example('Patient-example.json');
    const out = subset(patient, '_elements=Observation.code,Patient.birthDate,nonsense&_elements=contact');
    expect(Object.keys(out).sort()).toEqual(['resourceType', 'id', 'meta', 'birthDate', '_birthDate', 'contact'].sort());
    expect(out.contact).toEqual(patient.contact);
    expect(Object.keys(subset(example('Observation-example.json'), '_elements=Patient.name')).sort()).toEqual(
      ['resourceType', 'id', 'meta', 'status', 'code'].sort(),
    );
  });

  it('takes precedence over _summary=true (a non-summary element can be asked for)', () => {
    const out = subset(example('Patient-example.json'), '_summary=true&_elements=contact');
    expect(out.contact).toBeDefined();
    expect(out.name).toBeUndefined();
  });
});
