import type { Resource } from '@medplum/fhirtypes';
import type { FhirStore } from '../store';
import type { PreparedResource } from './prepared-resource';
import { TransactionViewBase, type StoreOperations } from '../transaction-view-base';
import type { Writer } from './writer';

let savepointCounter = 0;

/** Runs a call on the writer once the transaction holds it (taken on the first call). */
export type UseWriter = <T>(call: () => Promise<T>) => Promise<T>;

/** What the view needs from its store: the clock, and how to prepare a resource for the writer. */
export interface WriteHelpers {
  now(): number;
  prepare(resource: Resource & { id: string }): PreparedResource;
}

function operationsOn(writer: Writer, use: UseWriter, helpers: WriteHelpers): StoreOperations {
  const { now } = helpers;
  return {
    // Prepared at once, before the writer is taken: extraction overlaps with the writes of others.
    create: async (resource, options) => {
      const prepared = helpers.prepare(resource);
      return use(() => writer.create(prepared, options ?? {}, now()));
    },
    update: async (resource, options) => {
      const prepared = helpers.prepare(resource);
      return use(() => writer.update(prepared, options ?? {}, now()));
    },
    delete: (resourceType, id, options) => use(() => writer.delete(resourceType, id, options ?? {}, now())),
    read: (resourceType, id) => use(() => writer.read(resourceType, id)),
    vread: (resourceType, id, versionId) => use(() => writer.vread(resourceType, id, versionId)),
    history: (query) => use(() => writer.history(query)),
    search: (request) => use(() => writer.search(request)),
    claimHolders: (keys) => use(() => writer.claimHolders(keys)),
  };
}

/**
 * The embedded store inside transaction(fn): reads and writes go to the writer connection, which holds the
 * open transaction, so reads see the transaction's own writes. Operations are sent in the order they are
 * called, so several may be in flight at once. A nested transaction() is a SAVEPOINT: its writes are undone
 * if its fn throws, and kept (pending the outer COMMIT) if it resolves.
 */
export class TransactionView extends TransactionViewBase {
  readonly backend: FhirStore['backend'];
  readonly supportsTransactions = true;

  constructor(
    private readonly writer: Writer,
    private readonly use: UseWriter,
    private readonly helpers: WriteHelpers,
    owner: FhirStore,
  ) {
    super(operationsOn(writer, use, helpers));
    this.backend = owner.backend;
  }

  transaction<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T> {
    return this.nested.run(async () => {
      this.check();
      const name = `lucarne_tx_${++savepointCounter}`;
      await this.use(() => this.writer.savepoint(name));
      const inner = new TransactionView(this.writer, this.use, this.helpers, this);
      try {
        const result = await fn(inner);
        await this.use(() => this.writer.release(name));
        return result;
      } catch (err) {
        await this.use(() => this.writer.rollbackTo(name)).catch(() => undefined);
        throw err;
      } finally {
        inner.end();
      }
    });
  }
}
