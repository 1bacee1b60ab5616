import { FhirError, issue } from '../kernel/errors';

/** Seconds a refused client is told to wait before retrying. */
const RETRY_AFTER_S = 2;

/**
 * The memory budget of request bodies in flight: bytes reserved from the start of reading a body until its
 * answer is sent (the parsed tree and the index rows live that long). A reservation that would pass the
 * budget is refused with 503 + Retry-After, except when nothing else is in flight, so that any body within
 * maxBodyBytes can always get through alone.
 */
export class BodyBudget {
  private inFlight = 0;

  constructor(readonly limit: number) {}

  get bytesInFlight(): number {
    return this.inFlight;
  }

  /** Reserves `bytes` more for a request already holding `held`; throws 503 when over budget. */
  reserve(bytes: number, held: number): void {
    if (bytes <= 0) return;
    if (this.inFlight + bytes > this.limit && this.inFlight - held > 0) throw busy(this.limit);
    this.inFlight += bytes;
  }

  release(bytes: number): void {
    this.inFlight -= bytes;
  }
}

function busy(limit: number): FhirError {
  return new FhirError(
    503,
    [issue('transient', `The server is busy reading other request bodies (budget ${limit} bytes); retry after ${RETRY_AFTER_S} s`)],
    { 'Retry-After': String(RETRY_AFTER_S) },
  );
}

/** One request's share of the budget: grows as its body is read, released once when the request ends. */
export class BodyReservation {
  private held = 0;
  private released = false;

  constructor(private readonly budget: BodyBudget) {}

  /** Makes the reservation cover `total` bytes (the size read or declared so far). */
  cover(total: number): void {
    if (this.released || total <= this.held) return;
    this.budget.reserve(total - this.held, this.held);
    this.held = total;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.release(this.held);
    this.held = 0;
  }
}
