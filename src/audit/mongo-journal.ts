import { ObjectId, type Collection, type Db } from 'mongodb';
import type { AuditRecord } from '../kernel/audit-sink';
import type { AuditJournal, JournalEntry } from './journal';

export const JOURNAL_COLLECTION = 'audit_journal';

interface JournalDocument {
  _id: ObjectId;
  record: AuditRecord;
}

/**
 * The MongoDB journal: the collection `audit_journal` of the server's database. An append is one insertMany
 * acknowledged by a majority with the write journalled on disk, so it survives the loss of the primary.
 * Entries are ordered by their ObjectId (creation time, then process and counter).
 */
export class MongoJournal implements AuditJournal {
  private readonly collection: Collection<JournalDocument>;

  constructor(db: Db, private readonly onClose: () => Promise<void> = async () => undefined) {
    this.collection = db.collection<JournalDocument>(JOURNAL_COLLECTION);
  }

  async append(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const docs = records.map((record) => ({ _id: new ObjectId(), record }));
    await this.collection.insertMany(docs, { ordered: true, writeConcern: { w: 'majority', j: true } });
  }

  async oldest(limit: number): Promise<JournalEntry[]> {
    const docs = await this.collection.find({}, { sort: { _id: 1 }, limit }).toArray();
    return docs.map((d) => ({ id: d._id.toHexString(), record: d.record }));
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.collection.deleteMany({ _id: { $in: ids.map((id) => new ObjectId(id)) } }, { writeConcern: { w: 'majority', j: true } });
  }

  async size(): Promise<number> {
    return this.collection.countDocuments({});
  }

  close(): Promise<void> {
    return this.onClose();
  }
}
