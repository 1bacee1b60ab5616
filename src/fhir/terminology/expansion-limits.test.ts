import type { ValueSet } from '@medplum/fhirtypes';
import { readConformanceFolders } from '../../config/conformance-folders';
import { FhirError } from '../../kernel/errors';
import { loadDefinitions } from '../conformance/definitions';
import { TerminologyService } from './terminology-service';

const LOINC = 'http://loinc.org';
const extra = readConformanceFolders(['terminology'], `${__dirname}/../../..`).resources;
const service = new TerminologyService(loadDefinitions({ extra }), extra, () => new Date('2025-01-01T00:00:00Z'));
const inline = (compose: ValueSet['compose']): ValueSet => ({ resourceType: 'ValueSet', status: 'active', compose });

function timed<T>(fn: () => T): { ms: number; value?: T; error?: FhirError } {
  const started = Date.now();
  try {
    const value = fn();
    return { ms: Date.now() - started, value };
  } catch (e) {
    if (!(e instanceof FhirError)) throw e;
    return { ms: Date.now() - started, error: e };
  }
}

describe('expansion limits', () => {
  it('matches a regex filter in linear time: a pattern that backtracks exponentially answers at once', () => {
    const { ms, value, error } = timed(() =>
      service.expand(inline({ include: [{ system: LOINC, filter: [{ property: 'display', op: 'regex', value: '(?:.|.){1,26}#' }] }] })),
    );
    expect(error).toBeUndefined();
    expect(value?.expansion?.total).toBe(0);
    expect(ms).toBeLessThan(500);
  });

  it('still matches the whole display with an ordinary pattern', () => {
    const all = service.expand(inline({ include: [{ system: LOINC }] })).expansion?.contains ?? [];
    const first = all[0].display as string;
    const word = first.split(' ')[0];
    const matched = service.expand(inline({ include: [{ system: LOINC, filter: [{ property: 'display', op: 'regex', value: `${word}.*` }] }] }));
    expect(matched.expansion?.contains?.map((c) => c.code)).toContain(all[0].code);
    const partial = service.expand(inline({ include: [{ system: LOINC, filter: [{ property: 'display', op: 'regex', value: word }] }] }));
    expect(partial.expansion?.contains?.map((c) => c.code)).not.toContain(all[0].code);
  });

  it('refuses patterns RE2 cannot run (back references) and over-long ones with 400', () => {
    for (const value of ['(a)\\1', 'a'.repeat(1001)]) {
      const { error } = timed(() => service.expand(inline({ include: [{ system: LOINC, filter: [{ property: 'display', op: 'regex', value }] }] })));
      expect(error?.status).toBe(400);
    }
  });

  it('refuses a ValueSet of 5,000 includes quickly (400 too-costly)', () => {
    const { ms, error } = timed(() => service.expand(inline({ include: Array.from({ length: 5000 }, () => ({ system: LOINC })) })));
    expect(error?.status).toBe(400);
    expect(error?.issues[0].code).toBe('too-costly');
    expect(ms).toBeLessThan(200);
  });

  it('refuses more than 10,000 enumerated concepts and more than 1,000 filters', () => {
    const concepts = Array.from({ length: 10_001 }, (_, i) => ({ code: `c${i}` }));
    expect(timed(() => service.expand(inline({ include: [{ system: LOINC, concept: concepts }] }))).error?.issues[0].code).toBe('too-costly');
    const filter = Array.from({ length: 1001 }, () => ({ property: 'display', op: 'exists' as const, value: 'true' }));
    expect(timed(() => service.expand(inline({ include: [{ system: LOINC, filter }] }))).error?.issues[0].code).toBe('too-costly');
  });

  it('bounds the codes listed in all, however the includes are spread', () => {
    const big = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
    const size = service.expand(inline({ include: [{ system: big }] }), { count: 0 }).expansion?.total ?? 0;
    expect(size).toBeGreaterThan(200);
    const includes = Math.ceil(200_000 / size) + 1;
    expect(includes).toBeLessThanOrEqual(1000);
    const { error } = timed(() => service.expand(inline({ include: Array.from({ length: includes }, () => ({ system: big })) })));
    expect(error?.issues[0].code).toBe('too-costly');
  });
});
