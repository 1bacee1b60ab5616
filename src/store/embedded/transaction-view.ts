import type Database from 'better-sqlite3';
import type { FhirStore } from '../store';
import { TransactionViewBase } from '../transaction-view-base';
import type { ResourceRepository } from './resource-repository';

let savepointCounter = 0;

/**
 * The embedded store inside transaction(fn): reads and writes go to the writer connection, which holds the
 * open transaction, so reads see the transaction's own writes. A nested transaction() is a SAVEPOINT: its
 * writes are undone if its fn throws, and kept (pending the outer COMMIT) if it resolves.
 */
export class TransactionView extends TransactionViewBase {
  readonly backend: FhirStore['backend'];
  readonly supportsTransactions = true;

  constructor(
    private readonly db: Database.Database,
    private readonly repository: ResourceRepository,
    owner: FhirStore,
  ) {
    super(repository);
    this.backend = owner.backend;
  }

  transaction<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T> {
    return this.nested.run(async () => {
      this.check();
      const name = `lucarne_tx_${++savepointCounter}`;
      this.db.exec(`SAVEPOINT ${name}`);
      const inner = new TransactionView(this.db, this.repository, this);
      try {
        const result = await fn(inner);
        this.db.exec(`RELEASE ${name}`);
        return result;
      } catch (err) {
        if (this.db.inTransaction) {
          this.db.exec(`ROLLBACK TO ${name}`);
          this.db.exec(`RELEASE ${name}`);
        }
        throw err;
      } finally {
        inner.end();
      }
    });
  }
}
