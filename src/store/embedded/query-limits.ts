import { FhirError, issue } from '../../kernel/errors';

/** SQLite's messages when a statement is too big to prepare (sqlite3_limit and the parser's stack). */
const TOO_BIG = /too many (SQL variables|terms in compound SELECT|columns in result set|terms in ORDER BY clause|FROM clause terms|arguments on function)|Expression tree is too large|parser stack overflow|string or blob too big|LIKE or GLOB pattern too complex/i;

/**
 * Runs a search, turning SQLite's "statement too big" failures into 400 too-costly. The search limits keep
 * searches far below these; this is the backstop so that a shape they miss is still a client error, not a 500.
 */
export function withQueryLimits<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    // Not `instanceof Error`: better-sqlite3's errors come from the realm that first loaded the native module.
    const { name, message } = (e ?? {}) as { name?: unknown; message?: unknown };
    if (name === 'SqliteError' && typeof message === 'string' && TOO_BIG.test(message)) {
      throw new FhirError(400, [issue('too-costly', `Search too large for the store: ${message}`)]);
    }
    throw e;
  }
}
