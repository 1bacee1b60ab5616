import type { CodeSystem, Coding, OperationDefinitionParameter, OperationOutcome, Parameters, ParametersParameter, ValueSet } from '@medplum/fhirtypes';
import { badRequest, notFound } from '../../kernel/errors';
import type { FhirStore } from '../../store/store';
import type { FhirResponse } from '../rest/fhir-request';
import type { FhirRouter, RouteDefinition, RouteHandler } from '../rest/router';
import { parseSearch } from '../rest/search-parsing';
import type { ServerContext } from '../rest/server-context';
import type { TerminologyService, ValidateCodeRequest, ValidateCodeResult } from '../terminology/terminology-service';
import { operationRoute } from './operation-route';
import { OperationInput } from './terminology-parameters';

/**
 * R4 terminology operations: ValueSet $expand and $validate-code (type and instance level), CodeSystem
 * $validate-code, $lookup and $subsumes, GET with query parameters or POST with a Parameters body.
 * ValueSets in the store are found by id and, when no loaded one has it, by url. (Behind createApp the store
 * serves the loaded ValueSets read-only, so those are the same ones; a ValueSet to expand that the server
 * does not hold is sent inline, as the valueSet parameter.)
 */
/** $validate-code's output; a code that could not be checked also carries an `issues` OperationOutcome (warning). */
function validateCodeOutput(result: ValidateCodeResult): Parameters {
  const issues = result.warning
    ? { resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'not-found', details: { text: result.message } }] } as OperationOutcome }
    : undefined;
  return parameters([
    ['result', { valueBoolean: result.result }],
    ['message', result.message && { valueString: result.message }],
    ['display', result.display && { valueString: result.display }],
    ['issues', issues],
  ]);
}

export function terminologyRoutes(service: TerminologyService): RouteDefinition[] {
  const expand: RouteHandler = async (ctx, request, params) => {
    const input = new OperationInput(request);
    const options = { filter: input.string('filter'), offset: input.integer('offset'), count: input.integer('count') };
    const vs = await valueSetOf(service, ctx, ctx.store, input, params.id);
    return ok(service.expand(vs, options));
  };

  const validateValueSet: RouteHandler = async (ctx, request, params) => {
    const input = new OperationInput(request);
    const vs = await valueSetOf(service, ctx, ctx.store, input, params.id);
    const target = typeof vs === 'string' ? { url: vs } : { valueSet: vs };
    const result = service.validateCode({ ...codeInput(input), ...target }, 'ValueSet');
    return ok(validateCodeOutput(result));
  };

  const validateCodeSystem: RouteHandler = async (_ctx, request, params) => {
    const input = new OperationInput(request);
    if (input.resource('codeSystem', 'CodeSystem')) throw badRequest('An inline codeSystem is not supported: name a CodeSystem loaded on the server with url', 'codeSystem');
    let url = input.uri('url');
    if (params.id) {
      const cs = service.codeSystemById(params.id) as CodeSystem | undefined;
      if (!cs?.url) throw notFound(`CodeSystem/${params.id} is not known to this server`);
      url = cs.url;
    }
    const result = service.validateCode({ ...codeInput(input), url }, 'CodeSystem');
    return ok(validateCodeOutput(result));
  };

  const lookup: RouteHandler = async (_ctx, request) => {
    const input = new OperationInput(request);
    const coding = input.coding<Coding>('coding', 'Coding');
    const system = input.uri('system') ?? coding?.system;
    const code = input.code('code') ?? coding?.code;
    if (!code) throw badRequest('$lookup needs code (with system) or coding', 'code');
    if (!system) throw badRequest('$lookup needs system', 'system');
    const r = service.lookup(system, code, input.string('version') ?? coding?.version, input.codes('property'));
    return ok(parameters([
      ['name', { valueString: r.name }],
      ['version', r.version && { valueString: r.version }],
      ['display', r.display && { valueString: r.display }],
      ...r.designation.map((d): Entry => ['designation', { part: parts([['language', d.language && { valueCode: d.language }], ['use', d.use && { valueCoding: d.use }], ['value', { valueString: d.value }]]) }]),
      ...(r.definition ? [['property', { part: parts([['code', { valueCode: 'definition' }], ['value', { valueString: r.definition }]]) }] as Entry] : []),
      ...r.property.map((p): Entry => ['property', { part: parts([['code', { valueCode: p.code }], ['value', { [p.type]: p.value }]]) }]),
    ]));
  };

  const subsumes: RouteHandler = async (_ctx, request) => {
    const input = new OperationInput(request);
    const codingA = input.coding<Coding>('codingA', 'Coding');
    const codingB = input.coding<Coding>('codingB', 'Coding');
    const system = input.uri('system') ?? codingA?.system ?? codingB?.system;
    const codeA = input.code('codeA') ?? codingA?.code;
    const codeB = input.code('codeB') ?? codingB?.code;
    if (!codeA) throw badRequest('$subsumes needs codeA (or codingA)', 'codeA');
    if (!codeB) throw badRequest('$subsumes needs codeB (or codingB)', 'codeB');
    if (!system) throw badRequest('$subsumes needs system', 'system');
    for (const c of [codingA, codingB]) if (c?.system && c.system !== system) throw badRequest(`$subsumes compares codes of one system: '${c.system}' is not '${system}'`, 'system');
    return ok(parameters([['outcome', { valueCode: service.subsumes(system, codeA, codeB, input.string('version')) }]]));
  };

  const both = (pattern: string, handler: RouteHandler): RouteDefinition[] => [
    { method: 'GET', pattern, handler },
    { method: 'POST', pattern, handler },
  ];
  const R4 = 'http://hl7.org/fhir/OperationDefinition/';
  const declared = (id: string, handler: RouteHandler, extraParameters?: OperationDefinitionParameter[]) =>
    operationRoute(`${R4}${id}`, handler, { extraParameters });
  // Names R4's OperationDefinitions do not declare but clients send, and codeInput reads: CodeSystem
  // $validate-code by `system` (as ValueSet's), ValueSet $validate-code with `version` for the code system's.
  const optional = (name: string, type: string): OperationDefinitionParameter => ({ name, use: 'in', min: 0, max: '1', type });
  const codeSystemExtras = [optional('system', 'uri'), optional('systemVersion', 'string')];
  const valueSetExtras = [optional('version', 'string')];
  return [
    ...both('ValueSet/$expand', declared('ValueSet-expand', expand)),
    ...both('ValueSet/:id/$expand', declared('ValueSet-expand', expand)),
    ...both('ValueSet/$validate-code', declared('ValueSet-validate-code', validateValueSet, valueSetExtras)),
    ...both('ValueSet/:id/$validate-code', declared('ValueSet-validate-code', validateValueSet, valueSetExtras)),
    ...both('CodeSystem/$validate-code', declared('CodeSystem-validate-code', validateCodeSystem, codeSystemExtras)),
    ...both('CodeSystem/:id/$validate-code', declared('CodeSystem-validate-code', validateCodeSystem, codeSystemExtras)),
    ...both('CodeSystem/$lookup', declared('CodeSystem-lookup', lookup)),
    ...both('CodeSystem/$subsumes', declared('CodeSystem-subsumes', subsumes)),
  ];
}

/** Registers the terminology operations on the FHIR router (the CapabilityStatement then lists them). */
export function registerTerminologyRoutes(router: FhirRouter, service: TerminologyService): void {
  for (const route of terminologyRoutes(service)) router.register(route.method, route.pattern, route.handler);
}

type Entry = [string, Omit<ParametersParameter, 'name'> | undefined | '' | false];

function parts(entries: Entry[]): ParametersParameter[] {
  return entries.filter((e): e is [string, Omit<ParametersParameter, 'name'>] => Boolean(e[1])).map(([name, value]) => ({ name, ...value }));
}

function parameters(entries: Entry[]): Parameters {
  return { resourceType: 'Parameters', parameter: parts(entries) };
}

function ok(body: Parameters | ValueSet): FhirResponse {
  return { status: 200, headers: {}, body };
}

function codeInput(input: OperationInput): ValidateCodeRequest {
  return {
    system: input.uri('system'),
    version: input.string('systemVersion') ?? input.string('version'),
    code: input.code('code'),
    display: input.string('display'),
    coding: input.coding<Coding>('coding', 'Coding'),
    codeableConcept: input.coding<{ coding?: Coding[] }>('codeableConcept', 'CodeableConcept'),
  };
}

/** The ValueSet an operation is about: by instance id, inline resource, or canonical url (loaded, then stored). */
async function valueSetOf(service: TerminologyService, ctx: ServerContext, store: FhirStore, input: OperationInput, id?: string): Promise<ValueSet | string> {
  const inline = input.resource<ValueSet>('valueSet', 'ValueSet');
  const url = input.uri('url');
  if (id !== undefined) {
    const record = await store.read('ValueSet', id);
    if (record && !record.deleted) return record.resource as ValueSet;
    const loaded = service.valueSetById(id);
    if (!loaded) throw notFound(`ValueSet/${id} is not known to this server`);
    return loaded;
  }
  if (inline) return inline;
  if (!url) throw badRequest('Name the ValueSet with url (or send it as valueSet)', 'url');
  try {
    service.resolveValueSet(url);
    return url;
  } catch (e) {
    const stored = await storedByUrl(ctx, store, url);
    if (stored) return stored;
    throw e;
  }
}

async function storedByUrl(ctx: ServerContext, store: FhirStore, canonical: string): Promise<ValueSet | undefined> {
  const [url, version] = canonical.split('|');
  const query = new URLSearchParams({ url });
  if (version) query.set('version', version);
  const { request } = parseSearch(ctx, 'ValueSet', query);
  const result = await store.search({ ...request, count: 1, offset: 0, total: 'none' });
  return result.entries[0]?.resource as ValueSet | undefined;
}

