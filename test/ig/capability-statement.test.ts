import type { CapabilityStatement, CapabilityStatementRestResource, OperationDefinition } from '@medplum/fhirtypes';
import request from 'supertest';
import { LUCARNE_PROFILES, readJsonFolder } from './ig-files';
import { startIgServer, type IgServer } from './ig-test-server';

const published = readJsonFolder<CapabilityStatement>('ig').find((f) => f.file === 'ig/CapabilityStatement-lucarne.json')?.resource as CapabilityStatement;
const publishedResources = published.rest?.[0]?.resource ?? [];
/** The imaging-record operations: besides being live, Lucarne's own must have their OperationDefinition in ig/. */
const IMAGING_OPERATIONS = new Set(['imaging-record', 'dose-summary', 'dose-statistics', 'everything']);

describe('ig/CapabilityStatement-lucarne.json (published) against the live /metadata', () => {
  let server: IgServer;
  let live: CapabilityStatement;
  let liveByType: Map<string, CapabilityStatementRestResource>;
  beforeAll(async () => {
    server = await startIgServer();
    live = (await request(server.http).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    liveByType = new Map((live.rest?.[0]?.resource ?? []).map((r) => [r.type, r]));
  });
  afterAll(() => server.close());

  it('describes the software (kind capability), for R4, in the guide', () => {
    expect(published).toMatchObject({ kind: 'capability', fhirVersion: live.fhirVersion, software: { name: 'Lucarne' } });
    expect(published.implementation).toBeUndefined();
    expect(published.implementationGuide).toEqual(['https://lucarne.example/fhir/ImplementationGuide/lucarne']);
    expect(live.kind).toBe('instance');
  });

  it('claims only system interactions and formats the live server has', () => {
    const liveCodes = (live.rest?.[0]?.interaction ?? []).map((i) => i.code);
    for (const i of published.rest?.[0]?.interaction ?? []) expect(liveCodes).toContain(i.code);
    for (const f of published.format) expect(live.format).toContain(f);
    for (const f of published.patchFormat ?? []) expect(live.patchFormat).toContain(f);
  });

  it.each(publishedResources.map((r) => [r.type, r] as const))('%s: every interaction, flag and search parameter is live', (type, resource) => {
    const liveResource = liveByType.get(type);
    expect(liveResource).toBeDefined();
    const liveInteractions = (liveResource?.interaction ?? []).map((i) => i.code);
    for (const i of resource.interaction ?? []) expect([type, i.code, liveInteractions.includes(i.code)]).toEqual([type, i.code, true]);
    for (const flag of ['readHistory', 'updateCreate', 'conditionalCreate', 'conditionalUpdate'] as const) {
      if (resource[flag]) expect([flag, liveResource?.[flag]]).toEqual([flag, true]);
    }
    if (resource.conditionalRead === 'full-support') expect(liveResource?.conditionalRead).toBe('full-support');
    if (resource.conditionalDelete && resource.conditionalDelete !== 'not-supported') expect(['single', 'multiple']).toContain(liveResource?.conditionalDelete);
    const liveParams = new Map((liveResource?.searchParam ?? []).map((p) => [p.name, p]));
    for (const p of resource.searchParam ?? []) {
      expect([type, p.name, liveParams.get(p.name)?.definition, liveParams.get(p.name)?.type]).toEqual([type, p.name, p.definition, p.type]);
    }
  });

  it.each(publishedResources.map((r) => [r.type, r] as const))('%s: every operation other than the imaging ones is live (those: next test)', (type, resource) => {
    const liveOps = new Set((liveByType.get(type)?.operation ?? []).map((o) => o.name));
    for (const op of resource.operation ?? []) {
      if (!IMAGING_OPERATIONS.has(op.name)) expect([type, op.name, liveOps.has(op.name)]).toEqual([type, op.name, true]);
    }
  });

  it('supportedProfile names only the Lucarne profiles', () => {
    const supported = publishedResources.flatMap((r) => r.supportedProfile ?? []);
    expect(new Set(supported)).toEqual(new Set(LUCARNE_PROFILES));
  });

  it('the imaging operations are live and defined by an ig/OperationDefinition with the same canonical URL', () => {
    const definitions = readJsonFolder<OperationDefinition>('ig').map((f) => f.resource).filter((r) => r.resourceType === 'OperationDefinition');
    for (const resource of publishedResources) {
      const liveOps = new Set((liveByType.get(resource.type)?.operation ?? []).map((o) => o.name));
      for (const op of (resource.operation ?? []).filter((o) => IMAGING_OPERATIONS.has(o.name))) {
        expect([resource.type, op.name, liveOps.has(op.name)]).toEqual([resource.type, op.name, true]);
        if (!op.definition.startsWith('https://lucarne.example/')) continue;
        const definition = definitions.find((d) => d.url === op.definition);
        expect([op.definition, definition?.code, definition?.resource?.includes(resource.type as never)]).toEqual([op.definition, op.name, true]);
      }
    }
  });
});
