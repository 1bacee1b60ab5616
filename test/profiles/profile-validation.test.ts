import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import {
  P,
  type Json,
  repositoryDefinitions,
  repositoryValidator,
  validAudit,
  validDose,
  validEndpoint,
  validOrder,
  validPatient,
  validReport,
  validStudy,
} from './profile-fixtures';

const validator = repositoryValidator();



function errors(resource: Json): OperationOutcomeIssue[] {
  return validator.validate(resource).filter((i) => i.severity === 'error');
}

/** The (expression, code) of each error, for exact assertions. */
function where(resource: Json): string[] {
  return errors(resource).map((i) => `${i.expression?.[0]} ${i.code}`);
}

describe('valid resources pass their profile', () => {
  it.each([
    ['lucarne-patient', validPatient()],
    ['lucarne-imaging-order', validOrder()],
    ['lucarne-imaging-study', validStudy()],
    ['lucarne-imaging-report', validReport()],
    ['lucarne-dose-summary', validDose()],
    ['lucarne-dicomweb-endpoint', validEndpoint()],
    ['lucarne-audit-event', validAudit()],
  ])('%s', (_name, resource) => {
    expect(validator.validate(resource)).toEqual([]);
  });
});

describe('lucarne-patient', () => {
  it('uses only standard FHIRPath: no constraint calls nirKeyValid() (the check key is a server rule)', () => {
    const profile = repositoryDefinitions().profile(`${P}lucarne-patient`);
    const expressions = [...(profile?.snapshot?.element ?? []), ...(profile?.differential?.element ?? [])].flatMap((e) =>
      (e.constraint ?? []).map((c) => c.expression ?? ''),
    );
    expect(expressions.length).toBeGreaterThan(0);
    expect(expressions.filter((x) => x.includes('nirKeyValid'))).toEqual([]);
  });

  it('accepts a Corsican NIR (2A) with its key', () => {
    const p = validPatient();
    const key = String(97 - Number(1850219005001n % 97n)).padStart(2, '0');
    p.identifier[0].value = `185022A005001${key}`;
    expect(where(p)).toEqual([]);
  });

  it('rejects an INS on an identity that is not qualified', () => {
    const p = validPatient('VALI');
    expect(where(p)).toEqual(['Patient.identifier[0] invariant']);
    expect(errors(p)[0].diagnostics).toContain('lucarne-pat-ins-qualified');
    p.identifier.shift();
    expect(where(p)).toEqual([]);
  });

  it('takes VALI in the FR Core 2.1.0 code system (fr-core-cs-v2-0445) as qualified', () => {
    const p = validPatient();
    p.extension[0].extension[0].valueCoding = { system: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0445', code: 'VALI' };
    expect(where(p)).toEqual([]);
  });

  it('does not treat the billing NSS (type NH, same OID) as an INS', () => {
    const p = validPatient('PROV');
    p.identifier[0].type = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NH' }] };
    expect(where(p)).toEqual([]);
  });

  it('requires the system and assigner of an IPP', () => {
    const p = validPatient();
    delete p.identifier[1].assigner;
    expect(where(p)).toEqual(['Patient.identifier[1] invariant']);
  });

  it('requires family and given on the official (birth) name, and one official name at most', () => {
    const p = validPatient();
    delete p.name[0].given;
    expect(where(p)).toEqual(['Patient.name[0].given required']);
    const q = validPatient();
    q.name.push({ use: 'official', family: 'X', given: ['Y'] });
    expect(where(q)).toEqual(['Patient.name business-rule']);
  });

  it('allows one birthplace at most and needs an identity status in the reliability extension', () => {
    const p = validPatient();
    p.extension.push(structuredClone(p.extension[1]));
    expect(where(p)).toEqual(['Patient.extension business-rule']);
    const q = validPatient();
    q.extension[0].extension.shift();
    expect(where(q)).toEqual(['Patient.extension[0] invariant', 'Patient.identifier[0] invariant']);
  });
});

describe('lucarne-imaging-order', () => {
  it('accepts an order with its placer number only, before the facility assigns the accession number', () => {
    const o = validOrder();
    o.identifier[0] = { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PLAC' }] }, system: 'urn:oid:1.2.250.1.999.3.1', value: 'DEM-0001' };
    expect(where(o)).toEqual([]);
    const both = validOrder();
    both.identifier.push(o.identifier[0]);
    expect(where(both)).toEqual([]);
  });

  it('requires the placer number (PLAC) or the accession number (ACSN)', () => {
    const o = validOrder();
    o.identifier[0].type.coding[0].code = 'FILL';
    expect(where(o)).toEqual(['ServiceRequest invariant']);
    expect(errors(o)[0].diagnostics).toContain('lucarne-order-identifier');
  });

  it('requires the placer number\'s system and value, and one placer number at most', () => {
    const o = validOrder();
    const plac = { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PLAC' }] }, value: 'DEM-0001' };
    o.identifier = [plac, { ...plac, system: 'urn:oid:1.2.250.1.999.3.1' }];
    expect(where(o)).toEqual(['ServiceRequest.identifier[0].system required', 'ServiceRequest.identifier business-rule']);
  });

  it('requires the accession value and system', () => {
    const o = validOrder();
    delete o.identifier[0].value;
    expect(where(o)).toEqual(['ServiceRequest.identifier[0].value required']);
  });

  it('rejects a proposal, a missing requester or reason', () => {
    const o = validOrder();
    o.intent = 'proposal';
    delete o.requester;
    delete o.reasonCode;
    expect(where(o).sort()).toEqual(['ServiceRequest invariant', 'ServiceRequest.intent invariant', 'ServiceRequest.requester required']);
  });

  it('warns (extensible binding) on an act outside the CCAM imaging ValueSet', () => {
    const o = validOrder();
    o.code = { coding: [{ system: 'http://loinc.org', code: '36643-5' }] };
    const issues = validator.validate(o);
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(issues.map((i) => `${i.severity} ${i.expression?.[0]}`)).toEqual(['warning ServiceRequest.code']);
  });
});

describe('lucarne-imaging-study', () => {
  it('rejects a modality that is not a DICOM modality (required binding)', () => {
    const s = validStudy();
    s.modality[0].code = 'XX';
    s.series[0].modality.code = 'KO';
    expect(where(s)).toEqual(['ImagingStudy.modality[0] code-invalid', 'ImagingStudy.series[0].modality code-invalid']);
  });

  it('requires an endpoint, the study UID, series and instances', () => {
    const s = validStudy();
    delete s.endpoint;
    s.identifier.shift();
    delete s.series[0].instance;
    expect(where(s)).toEqual([
      'ImagingStudy.identifier required',
      'ImagingStudy.endpoint required',
      'ImagingStudy.series[0].instance required',
    ]);
  });

  it('requires the accession number (identifier typed ACSN) once the study exists', () => {
    const s = validStudy();
    s.identifier.pop();
    expect(where(s)).toEqual(['ImagingStudy.identifier required']);
    expect(errors(s)[0].diagnostics).toContain('identifier:accession');
  });

  it('checks the form of the study UID', () => {
    const s = validStudy();
    s.identifier[0].value = '1.2.3';
    expect(where(s)).toEqual(['ImagingStudy.identifier[0].value invariant']);
  });
});

describe('lucarne-imaging-report', () => {
  it('rejects another LOINC code (pattern 18748-4)', () => {
    const r = validReport();
    r.code.coding[0].code = '11502-2';
    expect(where(r)).toEqual(['DiagnosticReport.code business-rule']);
  });

  it('only takes PDF or HTML forms, and a conclusion once final', () => {
    const r = validReport();
    r.presentedForm.push({ contentType: 'application/hl7-cda+xml' });
    delete r.conclusion;
    expect(where(r)).toEqual(['DiagnosticReport invariant', 'DiagnosticReport.presentedForm[1].contentType invariant']);
    r.status = 'preliminary';
    r.presentedForm.pop();
    expect(where(r)).toEqual([]);
  });
});

describe('lucarne-dose-summary', () => {
  it('requires UCUM system and the right code on each dose component', () => {
    const d = validDose();
    delete d.component[0].valueQuantity.code;
    d.component[1].valueQuantity.system = 'http://example.org/units';
    d.component[3].valueQuantity.code = 'mGy';
    expect(where(d)).toEqual([
      'Observation.component[0].valueQuantity.code required',
      'Observation.component[1].valueQuantity.system business-rule',
      'Observation.component[3].valueQuantity.code business-rule',
    ]);
  });

  it('accepts any dose-area unit of dose x area and rejects others', () => {
    const d = validDose();
    d.component[2].valueQuantity.code = 'mGy.cm2';
    expect(where(d)).toEqual([]);
    d.component[2].valueQuantity.code = 'mGy.cm';
    expect(where(d)).toEqual(['Observation.component[2].valueQuantity.code invariant']);
  });

  it('rejects a wrong code, a second DLP, a missing study and a string value in a dose component', () => {
    const d = validDose();
    d.code.coding[0].code = '1234-5';
    d.component.push(structuredClone(d.component[0]));
    delete d.partOf;
    d.component[1].valueString = '9 mGy';
    delete d.component[1].valueQuantity;
    expect(where(d)).toEqual([
      'Observation.partOf required',
      'Observation.code business-rule',
      'Observation.component[1].valueString business-rule',
      'Observation.component business-rule',
    ]);
  });
});

describe('lucarne-dicomweb-endpoint and lucarne-audit-event', () => {
  it('rejects a connection type outside DICOMweb and a non-http address', () => {
    const e = validEndpoint();
    e.connectionType.code = 'hl7-fhir-rest';
    e.address = 'ftp://pacs';
    expect(where(e)).toEqual(['Endpoint.connectionType code-invalid', 'Endpoint.address invariant']);
  });

  it('requires two agents and the patient of a patient entity', () => {
    const a = validAudit();
    a.agent.pop();
    delete a.entity[1].what;
    expect(where(a)).toEqual(['AuditEvent.agent required', 'AuditEvent.entity[1].what required']);
  });
});

describe('profiles the server does not know', () => {
  it('warns on an unknown meta.profile, without failing the resource', () => {
    const o = validOrder();
    o.meta.profile.push('https://example.org/StructureDefinition/nope');
    const issues = validator.validate(o);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'warning', code: 'not-supported', expression: ['ServiceRequest.meta.profile[1]'] });
    expect(issues[0].diagnostics).toContain('https://example.org/StructureDefinition/nope');
  });

  it('rejects a profile of another type', () => {
    const o = validOrder();
    o.meta.profile = [`${P}lucarne-patient`];
    expect(where(o)).toEqual(['ServiceRequest.meta.profile[0] business-rule']);
  });

  it('validates against a profile given by the caller even when not declared', () => {
    const o = validOrder();
    delete o.meta;
    delete o.requester;
    expect(where(o)).toEqual([]);
    expect(validator.validate(o, { profile: `${P}lucarne-imaging-order` }).map((i) => i.expression?.[0])).toEqual(['ServiceRequest.requester']);
    expect(validator.knowsProfile?.(`${P}lucarne-imaging-order`)).toBe(true);
    expect(validator.knowsProfile?.('https://example.org/x')).toBe(false);
  });

  it('warns, without an error, for a CCAM act outside the shipped fragment, and accepts one inside it', () => {
    const inside = validOrder();
    expect(validator.validate(inside).filter((i) => i.expression?.[0]?.startsWith('ServiceRequest.code'))).toEqual([]);
    const outside = validOrder();
    outside.code = { coding: [{ system: 'https://smt.esante.gouv.fr/terminologie-ccam', code: 'ZZZZ999' }] };
    const issues = validator.validate(outside).filter((i) => i.expression?.[0]?.startsWith('ServiceRequest.code'));
    expect(issues.map((i) => [i.severity, i.code])).toEqual([['warning', 'not-found']]);
    expect(issues[0].diagnostics).toMatch(/could not be checked/);
  });
});

