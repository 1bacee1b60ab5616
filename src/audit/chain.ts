import { createHash } from 'node:crypto';
import type { AuditEvent, Extension } from '@medplum/fhirtypes';
import { canonicalJsonWithout, inCanonicalOrder } from './canonical-json';

/** The extension each AuditEvent of the trail carries: its place in the hash chain. */
export const CHAIN_URL = 'https://lucarne.example/fhir/StructureDefinition/audit-chain';

/** The `previous` of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** A position in the chain: an event's sequence number and hash (the head is the last event's). */
export interface ChainLink {
  readonly sequence: number;
  readonly hash: string;
}

export const EMPTY_CHAIN: ChainLink = Object.freeze({ sequence: 0, hash: GENESIS_HASH });

export interface ChainMark extends ChainLink {
  readonly previous: string;
}

const OMITTED = new Set(['meta']);
const notChain = (item: unknown) => (item as Extension | null)?.url !== CHAIN_URL;

/**
 * SHA-256 (hex) of the previous event's hash followed by the canonical JSON of the event without `meta`
 * (the store's) and without the chain extension (which holds the result).
 */
export function eventHash(previous: string, event: AuditEvent): string {
  const canonical = canonicalJsonWithout(event as unknown as Record<string, unknown>, OMITTED, notChain);
  return createHash('sha256').update(previous).update(canonical).digest('hex');
}

/**
 * The event with its chain extension, linked after `head`, with its keys in canonical order (the order the
 * store then keeps, so that the verification finds the canonical text in the stored one).
 */
export function chained(event: AuditEvent, head: ChainLink): { event: AuditEvent; link: ChainLink } {
  const sequence = head.sequence + 1;
  const hash = eventHash(head.hash, event);
  const extension: Extension = {
    url: CHAIN_URL,
    extension: [
      { url: 'sequence', valueInteger: sequence },
      { url: 'previous', valueString: head.hash },
      { url: 'hash', valueString: hash },
    ],
  };
  return { event: inCanonicalOrder({ ...event, extension: [...(event.extension ?? []), extension] }), link: { sequence, hash } };
}

/** The chain mark an event carries, or undefined when it has none (or a malformed one). */
export function chainMarkOf(event: AuditEvent): ChainMark | undefined {
  const ext = event.extension?.find((e) => e.url === CHAIN_URL);
  if (!ext?.extension) return undefined;
  let sequence: number | undefined;
  let previous: string | undefined;
  let hash: string | undefined;
  for (const part of ext.extension) {
    if (part.url === 'sequence') sequence = part.valueInteger;
    else if (part.url === 'previous') previous = part.valueString;
    else if (part.url === 'hash') hash = part.valueString;
  }
  if (typeof sequence !== 'number' || typeof previous !== 'string' || typeof hash !== 'string') return undefined;
  return { sequence, previous, hash };
}
