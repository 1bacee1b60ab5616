import type { ClientSession, Collection, Filter, Sort } from 'mongodb';
import { badRequest } from '../../kernel/errors';
import type { HistoryPage, HistoryQuery } from '../store';
import { toRecord, type VersionDoc } from './documents';

function instantToMillis(value: string, what: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw badRequest(`${what} is not a valid instant: ${value}`);
  return ms;
}

/**
 * History at instance (index instance_history: version order), type (type_history) and system level
 * (system_history), newest first; `_id` breaks ties so pages never overlap.
 *
 * `_at` (the version current at an instant, per resource) walks the versions written up to that instant in
 * (type, id, version desc) order and keeps the first of each resource: FerretDB v1 has no $group $max, and
 * the walk is an index scan of instance_history on MongoDB.
 */
export async function runHistory(
  versions: Collection<VersionDoc>, query: HistoryQuery, session?: ClientSession,
): Promise<HistoryPage> {
  const filter: Filter<VersionDoc> = {};
  if (query.id !== undefined) {
    if (query.resourceType === undefined) throw new TypeError('instance history needs a resourceType');
    filter.type = query.resourceType;
    filter.id = query.id;
  } else if (query.resourceType !== undefined) {
    filter.type = query.resourceType;
  }
  const lastUpdated: { $gte?: number; $lte?: number } = {};
  if (query.since !== undefined) lastUpdated.$gte = instantToMillis(query.since, '_since');
  if (query.at !== undefined) lastUpdated.$lte = instantToMillis(query.at, '_at');
  if (lastUpdated.$gte !== undefined || lastUpdated.$lte !== undefined) filter.lastUpdated = lastUpdated;
  const sort: Sort = query.id !== undefined ? { version: -1 } : { lastUpdated: -1, _id: -1 };
  const opts = { session };

  if (query.at !== undefined) {
    const ids: string[] = [];
    let last = '';
    const cursor = versions
      .find(filter, { ...opts, projection: { _id: 1, type: 1, id: 1 } })
      .sort({ type: 1, id: 1, version: -1 });
    for await (const doc of cursor) {
      const key = `${doc.type}/${doc.id}`;
      if (key === last) continue;
      last = key;
      ids.push(doc._id);
    }
    const total = ids.length;
    if (query.count <= 0 || query.offset >= total) return { entries: [], total };
    const docs = await versions
      .find({ _id: { $in: ids } }, opts).sort(sort).skip(Math.max(0, query.offset)).limit(query.count).toArray();
    return { entries: docs.map(toRecord), total };
  }

  const total = await versions.countDocuments(filter, opts);
  if (query.count <= 0 || query.offset >= total) return { entries: [], total };
  const docs = await versions.find(filter, opts).sort(sort).skip(Math.max(0, query.offset)).limit(query.count).toArray();
  return { entries: docs.map(toRecord), total };
}
