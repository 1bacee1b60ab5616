/** Injected time source, so versions and timestamps are reproducible in tests. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * A clock whose readings never go backwards and never repeat at millisecond precision, so that
 * `meta.lastUpdated` orders versions even when several are written within one millisecond.
 */
export function monotonicClock(base: Clock = systemClock): Clock {
  let last = 0;
  return {
    now() {
      const t = Math.max(base.now().getTime(), last + 1);
      last = t;
      return new Date(t);
    },
  };
}
