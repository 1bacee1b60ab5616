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
