import { resolve } from 'node:path';
import type { Db } from 'mongodb';
import type { LucarneConfig } from '../../config/config';
import type { Clock } from '../../kernel/clock';
import type { FhirStore } from '../store';
import { openMongoStateStore } from './mongo-state-store';
import { SqliteStateStore } from './sqlite-state-store';
import type { StateStore } from './state-store';

/**
 * The state store of the configured backend (what the server, the CLI and the tools open): the embedded
 * state file beside the embedded store, or the `state` collection of the MongoDB database, shared by every
 * process on it. Given the opened MongoDB FHIR store, it uses that store's database and client (which the
 * FHIR store closes); otherwise it connects to MONGODB_URL itself, with the same settings.
 */
export async function openStateStore(config: LucarneConfig, clock: Clock, store?: FhirStore): Promise<StateStore> {
  if (config.mongodbUrl) {
    const db = store?.backend === 'mongo' ? (store as FhirStore & { db?: Db }).db : undefined;
    return openMongoStateStore(db ? { db, clock } : { url: config.mongodbUrl, clock });
  }
  return new SqliteStateStore(resolve(config.dataDir), clock);
}
