import type { Writer } from './writer';
import type { WriterConnection } from './writer-connection';

/** The writer connection on the event loop: each call runs synchronously when made, and settles at once. */
export function inProcessWriter(connection: WriterConnection): Writer {
  return {
    create: async (resource, options, now) => connection.create(resource, options, now),
    update: async (resource, options, now) => connection.update(resource, options, now),
    delete: async (resourceType, id, options, now) => connection.delete(resourceType, id, options, now),
    read: async (resourceType, id) => connection.read(resourceType, id),
    vread: async (resourceType, id, versionId) => connection.vread(resourceType, id, versionId),
    history: async (query) => connection.history(query),
    search: async (request) => connection.search(request),
    claimHolders: async (keys) => connection.claimHolders(keys),
    addClaims: async (resourceType, id, keys, now) => connection.addClaims(resourceType, id, keys, now),
    markBackfillDone: async (name, now) => connection.markBackfillDone(name, now),
    savepoint: async (name) => connection.savepoint(name),
    release: async (name) => connection.release(name),
    rollbackTo: async (name) => connection.rollbackTo(name),
    rollback: async () => connection.rollback(),
    commit: async () => connection.commit(),
    close: async () => connection.close(),
  };
}
