import { createHash } from 'node:crypto';
import type { AuditEvent, Extension } from '@medplum/fhirtypes';
import type { SearchRequest } from '../fhir/search/search-request';
import type { FhirStore, VersionRecord } from '../store/store';
import { canonicalJsonWithout } from './canonical-json';
import { CHAIN_URL, chainMarkOf, GENESIS_HASH } from './chain';
import { canonicalFromStoredText } from './stored-chain-text';

export type BreakReason = 'hash-mismatch' | 'previous-mismatch' | 'missing-sequence' | 'duplicate-sequence' | 'no-chain-mark';

export interface ChainBreak {
  /** The sequence number where the chain breaks (the missing one for missing-sequence). */
  readonly sequence: number;
  /** The AuditEvent at that link (for missing-sequence: the next one found, if any). */
  readonly id?: string;
  readonly reason: BreakReason;
}

export interface ChainVerification {
  readonly result: boolean;
  /** Events checked (links in order until the first break, or all). */
  readonly checked: number;
  readonly broken?: ChainBreak;
}

/** What the walk keeps of one event: its claimed link and whether its own hash is right. */
interface Seen {
  id: string;
  sequence: number;
  previous: string;
  hash: string;
  hashOk: boolean;
}

const PAGE = 1000;
const OMITTED = new Set(['meta']);
const notChain = (item: unknown) => (item as Extension | null)?.url !== CHAIN_URL;

/**
 * Walks every AuditEvent in sequence order and checks each link: its hash is SHA-256 of the previous hash and
 * its canonical form, its `previous` is the hash of the event before it, and no sequence number is missing
 * or repeated. The store is read in pages by lastUpdated (the order the audit job wrote them in, which is the
 * sequence order); events out of that order (a rewritten one) wait in a small buffer until their turn.
 */
export async function verifyChain(store: FhirStore): Promise<ChainVerification> {
  const waiting = new Map<number, Seen>();
  let expected = 1;
  let previousHash = GENESIS_HASH;
  let checked = 0;
  let broken: ChainBreak | undefined;
  let unmarked: ChainBreak | undefined;

  const advance = (): void => {
    for (let next = waiting.get(expected); next && !broken; next = waiting.get(expected)) {
      waiting.delete(expected);
      if (!next.hashOk) broken = { sequence: next.sequence, id: next.id, reason: 'hash-mismatch' };
      else if (next.previous !== previousHash) broken = { sequence: next.sequence, id: next.id, reason: 'previous-mismatch' };
      else {
        checked++;
        previousHash = next.hash;
        expected++;
      }
    }
  };

  let request: SearchRequest = { resourceTypes: ['AuditEvent'], filters: [], sort: [{ code: '_lastUpdated', descending: false }], count: PAGE, offset: 0, total: 'none' };
  for (;;) {
    const page = await store.search(request);
    for (const record of page.entries) {
      const seen = inspect(record);
      if (!seen) {
        unmarked ??= { sequence: 0, id: record.id, reason: 'no-chain-mark' };
        continue;
      }
      if (seen.sequence < expected || waiting.has(seen.sequence)) {
        broken ??= { sequence: seen.sequence, id: seen.id, reason: 'duplicate-sequence' };
        continue;
      }
      waiting.set(seen.sequence, seen);
    }
    advance();
    if (broken || !page.hasMore) break;
    request = page.next ? { ...request, cursor: page.next } : { ...request, offset: request.offset + page.entries.length };
  }
  if (!broken && waiting.size > 0) {
    const after = Math.min(...waiting.keys());
    broken = { sequence: expected, id: waiting.get(after)?.id, reason: 'missing-sequence' };
  }
  broken ??= unmarked;
  return broken ? { result: false, checked, broken } : { result: true, checked };
}

function inspect(record: VersionRecord): Seen | undefined {
  // Fast path: the stored text holds the canonical text (see stored-chain-text.ts); nothing is parsed.
  const stored = record.json !== undefined ? canonicalFromStoredText(record.json) : undefined;
  if (stored) {
    const { mark } = stored;
    const hash = createHash('sha256').update(mark.previous).update(stored.canonical).digest('hex');
    if (hash === mark.hash) return { id: record.id, sequence: mark.sequence, previous: mark.previous, hash: mark.hash, hashOk: true };
  }
  const event = (record.resource ?? JSON.parse(record.json ?? 'null')) as AuditEvent | null;
  if (!event) return undefined;
  const mark = chainMarkOf(event);
  if (!mark) return undefined;
  const canonical = canonicalJsonWithout(event as unknown as Record<string, unknown>, OMITTED, notChain);
  const hash = createHash('sha256').update(mark.previous).update(canonical).digest('hex');
  return { id: record.id, sequence: mark.sequence, previous: mark.previous, hash: mark.hash, hashOk: hash === mark.hash };
}
