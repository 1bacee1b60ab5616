/** Work that earns one more turn of the event loop (see yieldToEventLoop). */
const WORK_PER_TURN_MS = 4;
const MAX_TURNS = 10;

function oneTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Lets the event loop poll I/O before going on: `await` of a resolved promise does not (microtasks run
 * first), so a long run of synchronous store work between awaits would hold every other client up.
 *
 * `workStartedAt` (a performance.now() reading): the caller has worked since then, and gets one turn per
 * 4 ms of it (at most 10). libuv accepts a single new connection per turn, so after a 40 ms step the tenth
 * client that connected meanwhile would otherwise wait ten steps; idle turns cost microseconds.
 */
export async function yieldToEventLoop(workStartedAt?: number): Promise<void> {
  const turns = workStartedAt === undefined ? 1 : Math.min(MAX_TURNS, Math.max(1, Math.ceil((performance.now() - workStartedAt) / WORK_PER_TURN_MS)));
  for (let i = 0; i < turns; i++) await oneTurn();
}
