import { buildCapabilityStatement } from './capability-statement';
import { loadDefinitions } from './definitions';

describe('buildCapabilityStatement: transactions', () => {
  const definitions = loadDefinitions();
  const routes = [
    { method: 'POST', pattern: '' },
    { method: 'GET', pattern: ':type' },
  ];
  const config = { baseUrl: 'http://127.0.0.1/fhir', allowMultipleDelete: false };
  const build = (transactions?: boolean) =>
    buildCapabilityStatement(definitions, config, routes, { date: '2024-01-01T00:00:00Z', transactions }).rest![0];

  it('advertises transaction and batch when the store runs transactions all or nothing', () => {
    const rest = build(true);
    expect(rest.interaction?.map((i) => i.code)).toEqual(['transaction', 'batch']);
    expect(rest.documentation).not.toMatch(/Transaction Bundles are not supported/);
    expect(build(undefined).interaction?.map((i) => i.code)).toEqual(['transaction', 'batch']);
  });

  it('omits transaction and says why when the store cannot, keeping batch and the search documentation', () => {
    const rest = build(false);
    expect(rest.interaction?.map((i) => i.code)).toEqual(['batch']);
    expect(rest.documentation).toMatch(/Transaction Bundles are not supported.*refused with an OperationOutcome before anything is written/s);
    expect(rest.documentation).toContain(build(true).documentation);
  });
});

describe('buildCapabilityStatement: operations', () => {
  const definitions = loadDefinitions();
  const routes = [
    { method: 'POST', pattern: ':type/$validate' },
    { method: 'GET', pattern: 'ValueSet/$expand' },
    { method: 'GET', pattern: 'ValueSet/:id/$expand' },
    { method: 'GET', pattern: 'CodeSystem/$lookup' },
  ];
  const rest = buildCapabilityStatement(definitions, { baseUrl: 'http://127.0.0.1/fhir', allowMultipleDelete: false }, routes, {
    date: '2024-01-01T00:00:00Z',
  }).rest![0];
  const operationsOf = (type: string) => rest.resource?.find((r) => r.type === type)?.operation;

  it('lists a type-specific operation on its own type with its own OperationDefinition', () => {
    expect(operationsOf('ValueSet')).toEqual([
      { name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' },
      { name: 'expand', definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-expand' },
    ]);
    expect(operationsOf('CodeSystem')?.map((o) => o.definition)).toContain('http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup');
  });

  it('keeps operations off types and the system level where they do not apply', () => {
    expect(operationsOf('Patient')?.map((o) => o.name)).toEqual(['validate']);
    expect(rest.operation).toBeUndefined();
  });
});
