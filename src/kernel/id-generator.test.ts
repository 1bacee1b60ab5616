import { timeOrderedIds } from './id-generator';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('time-ordered ids', () => {
  it('are version 7 UUIDs carrying the millisecond', () => {
    const id = timeOrderedIds(() => Date.UTC(2026, 10, 24, 10, 0, 0)).next();
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2026, 10, 24, 10, 0, 0));
  });

  it('sort in creation order, within a millisecond and past the counter, and never repeat', () => {
    let t = 1_700_000_000_000;
    const ids = timeOrderedIds(() => t);
    const made: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      if (i % 2500 === 0) t += 1;
      made.push(ids.next());
    }
    for (const id of made) expect(id).toMatch(UUID_V7);
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it('keep their order when the clock goes back', () => {
    let t = 1_700_000_000_000;
    const ids = timeOrderedIds(() => t);
    const first = ids.next();
    t -= 5000;
    expect(ids.next() > first).toBe(true);
  });
});
