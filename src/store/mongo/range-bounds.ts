export type Op = '$gt' | '$gte' | '$lt' | '$lte';
export interface Bound {
  side: 'lo' | 'hi';
  op: Op;
  value: number;
}

const b = (side: Bound['side'], op: Op, value: number): Bound => ({ side, op, value });

/**
 * R4 range semantics (3.1.1.4.3) for a stored range [lo, hi] and a search range [ql, qh], as ORs of ANDs of
 * bounds; the same rules as the embedded index (ge = gt OR eq and le = lt OR eq simplify to two one-sided
 * bounds each).
 */
export function rangeBounds(prefix: string, ql: number, qh: number, now = Date.now()): Bound[][] {
  switch (prefix) {
    case 'eq': return [[b('lo', '$gte', ql), b('hi', '$lte', qh)]];
    case 'ne': return [[b('lo', '$lt', ql)], [b('hi', '$gt', qh)]];
    case 'ge': return [[b('lo', '$gte', ql)], [b('hi', '$gt', qh)]];
    case 'le': return [[b('hi', '$lte', qh)], [b('lo', '$lt', ql)]];
    case 'gt': return [[b('hi', '$gt', qh)]];
    case 'lt': return [[b('lo', '$lt', ql)]];
    case 'sa': return [[b('lo', '$gt', qh)]];
    case 'eb': return [[b('hi', '$lt', ql)]];
    case 'ap': {
      const margin = Math.max(Math.abs(now - ql), Math.abs(now - qh)) * 0.1;
      return [[b('lo', '$lte', qh + margin), b('hi', '$gte', ql - margin)]];
    }
    default:
      throw new Error(`unknown prefix ${prefix}`);
  }
}

/**
 * R4 3.1.1.4.2 (number) and 3.1.1.4.8 (quantity), on a stored value (lo = hi = value): gt/lt/ge/le compare
 * with the search value exactly, ap is within 10% of the value, eq/ne/sa/eb use its precision range.
 */
export function numberBounds(prefix: string, value: number, low: number, high: number): Bound[][] {
  switch (prefix) {
    case 'gt': return [[b('lo', '$gt', value)]];
    case 'lt': return [[b('lo', '$lt', value)]];
    case 'ge': return [[b('lo', '$gte', value)]];
    case 'le': return [[b('lo', '$lte', value)]];
    case 'ap': {
      const margin = Math.abs(value) * 0.1;
      return [[b('lo', '$gte', value - margin), b('hi', '$lte', value + margin)]];
    }
    // The precision range is half-open: eq100 is [99.5, 100.5), so 100.5 is not equal to 100.
    case 'eq': return [[b('lo', '$gte', low), b('hi', '$lt', high)]];
    case 'ne': return [[b('lo', '$lt', low)], [b('hi', '$gte', high)]];
    default: return rangeBounds(prefix, low, high);
  }
}

export function holds(bound: Bound, entry: { lo: number; hi: number }): boolean {
  const x = entry[bound.side];
  switch (bound.op) {
    case '$gt': return x > bound.value;
    case '$gte': return x >= bound.value;
    case '$lt': return x < bound.value;
    case '$lte': return x <= bound.value;
  }
}
