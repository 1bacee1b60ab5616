import type { SearchParameter } from '@medplum/fhirtypes';
import { FhirError } from '../../kernel/errors';
import { compileFilter } from './compile-filter';

const param = (type: string) => ({ resourceType: 'SearchParameter', code: 'p', type }) as unknown as SearchParameter;

describe('mongo compileFilter', () => {
  it('answers 400 naming the parameter for a value kind it cannot compile, never an empty match', () => {
    const status = (f: () => unknown) => {
      try {
        f();
        return 200;
      } catch (e) {
        return e instanceof FhirError ? `${e.status} ${JSON.stringify(e.issues ?? e.message)}` : String(e);
      }
    };
    expect(status(() => compileFilter({ code: 'p', param: param('token'), values: [{ kind: 'date', prefix: 'eq', low: 0, high: 1 }] }, ['Observation'])))
      .toMatch(/^400 .*'p'/);
    expect(status(() => compileFilter({ code: 'p', param: param('quantity'), values: [{ kind: 'token', code: 'x' }] }, ['Observation'])))
      .toMatch(/^400 .*'p'/);
    expect(status(() => compileFilter({ code: 'p', param: param('composite'), values: [{ kind: 'token', code: 'x' }] }, ['Observation'])))
      .toMatch(/^400 .*'p'/);
  });
});
