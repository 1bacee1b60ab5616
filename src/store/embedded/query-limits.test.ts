import Database from 'better-sqlite3';
import { FhirError } from '../../kernel/errors';
import { withQueryLimits } from './query-limits';

describe('withQueryLimits', () => {
  const db = new Database(':memory:');
  afterAll(() => db.close());

  it.each([
    ['too many SQL variables', () => db.prepare(`SELECT ${Array(40000).fill('?').join(',')}`)],
    ['too many terms in compound SELECT', () => db.prepare(Array(600).fill('SELECT 1').join(' UNION ALL '))],
    ['expression tree too large', () => db.prepare(`SELECT ${Array(1100).fill('1').join(' AND ')}`)],
  ])('turns SQLite\'s %s into 400 too-costly', (_what, run) => {
    let error: unknown;
    try {
      withQueryLimits(run);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FhirError);
    expect((error as FhirError).status).toBe(400);
    expect((error as FhirError).issues[0].code).toBe('too-costly');
  });

  it('lets other errors through unchanged', () => {
    expect(() => withQueryLimits(() => db.prepare('SELECT * FROM missing'))).toThrow(/no such table/);
  });
});
