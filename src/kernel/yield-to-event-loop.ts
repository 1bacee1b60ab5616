/**
 * Lets the event loop poll I/O before going on: `await` of a resolved promise does not (microtasks run
 * first), so a long run of synchronous store work between awaits would hold every other client up.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
