import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditTrail, type AuditTrail } from '../../src/audit/audit-trail';
import { loadDefinitions, type Definitions } from '../../src/fhir/conformance/definitions';
import type { AuditRecord } from '../../src/kernel/audit-sink';
import { monotonicClock, type Clock } from '../../src/kernel/clock';
import { silentLogger } from '../../src/kernel/logger';
import { openEmbeddedStore } from '../../src/store/embedded/embedded-store';
import { createEmbeddedSearchIndex } from '../../src/store/embedded/search/embedded-search-index';
import { MemoryStateStore } from '../../src/store/state/memory-state-store';
import type { StateStore } from '../../src/store/state/state-store';
import type { FhirStore } from '../../src/store/store';

export const BASE_URL = 'http://127.0.0.1/fhir';

let definitions: Definitions | undefined;
export const testDefinitions = () => (definitions ??= loadDefinitions());

/** A real embedded store (with the real search index) in `dataDir`. */
export function openTestStore(dataDir: string, clock: Clock = monotonicClock()): FhirStore {
  return openEmbeddedStore({ dataDir, index: createEmbeddedSearchIndex(testDefinitions(), { baseUrl: BASE_URL }), clock, durability: 'normal' });
}

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-audit-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function trailOn(dataDir: string, store: FhirStore, state: StateStore = new MemoryStateStore(), clock: Clock = monotonicClock()): Promise<AuditTrail> {
  return createAuditTrail({ config: { dataDir, baseUrl: BASE_URL }, store, state, clock, logger: silentLogger(), mover: { intervalMs: 20 } });
}

export function readRecord(n: number, extra: Partial<AuditRecord> = {}): AuditRecord {
  return {
    kind: 'rest',
    event: 'read',
    action: 'R',
    status: 200,
    recorded: new Date(Date.UTC(2026, 11, 1, 10, 0, 0) + n * 1000).toISOString(),
    requestId: `req-${n}`,
    entities: [`Patient/p${n % 7}`],
    patients: [`Patient/p${n % 7}`],
    ...extra,
  };
}
