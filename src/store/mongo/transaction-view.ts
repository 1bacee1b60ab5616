import type { FhirStore } from '../store';
import { TransactionViewBase } from '../transaction-view-base';
import type { Repository, UndoStep } from './repository';

/**
 * The MongoDB store inside transaction(fn).
 * - atomic (a MongoDB session transaction): reads see the transaction's own writes; a nested transaction
 *   has no savepoint in MongoDB, so its writes are recorded and undone inside the open transaction if its fn
 *   throws.
 * - not atomic (FerretDB, standalone mongod): each write is atomic on its own; see mongo-store.ts.
 */
export class MongoTransactionView extends TransactionViewBase {
  readonly backend = 'mongo' as const;

  constructor(
    private readonly repository: Repository,
    readonly supportsTransactions: boolean,
    private readonly undo: UndoStep[],
  ) {
    super(repository);
  }

  transaction<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T> {
    return this.nested.run(async () => {
      this.check();
      const steps: UndoStep[] = [];
      const inner = new MongoTransactionView(this.repository.withUndo(steps), this.supportsTransactions, steps);
      try {
        const result = await fn(inner);
        this.undo.push(...steps);
        return result;
      } catch (err) {
        if (this.supportsTransactions) await this.repository.revert(steps);
        else this.undo.push(...steps);
        throw err;
      } finally {
        inner.end();
      }
    });
  }
}
