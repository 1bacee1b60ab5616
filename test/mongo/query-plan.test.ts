import { INDEXES, MONGODB_ONLY_INDEXES } from '../../src/store/mongo/schema';
import { planOf, shapeOf } from './query-plan';

const resources = [...INDEXES.resources, ...MONGODB_ONLY_INDEXES.resources];

describe('planOf (the index model of the query-shape test)', () => {
  it('picks the key index for a token lookup, and calls it selective', () => {
    const plan = planOf({ $and: [{ type: 'Patient' }, { deleted: false }, { k: 't\u001fidentifier\u001fs\u001fv' }] }, resources);
    expect(plan).toEqual({ index: 'keys', bounded: ['k', 'type'], selective: true });
  });

  it('reports a filter bounded only by the type as not selective (a scan of the whole type)', () => {
    const plan = planOf({ $and: [{ type: 'Patient' }, { deleted: false }, { 'content': { $regex: 'x' } }] }, resources);
    expect(plan).toMatchObject({ index: 'type_live_id', selective: false });
  });

  it('finds no index for negations, unanchored regexes or unknown fields', () => {
    expect(planOf({ k: { $ne: 'x' } }, resources)).toBeUndefined();
    expect(planOf({ s: { $regex: 'family\u001fdu' } }, resources)).toBeUndefined();
    expect(planOf({ holder: 'me' }, INDEXES.leases)).toBeUndefined();
  });

  it('serves an $or only when each branch is served, and a range through the wildcard index', () => {
    const ranges = { $or: [{ 'rg.started.lo': { $gte: 1 } }, { 'rg.started.hi': { $gt: 1 } }] };
    expect(planOf({ $and: [{ type: 'ImagingStudy' }, { deleted: false }, ranges] }, resources)?.selective).toBe(true);
    const mixed = { $or: [{ 'rg.started.lo': { $gte: 1 } }, { status: 'x' }] };
    expect(planOf({ $and: [{ type: 'ImagingStudy' }, { deleted: false }, mixed] }, resources)?.selective).toBe(false);
  });

  it('reduces a filter to its shape', () => {
    expect(shapeOf({ $and: [{ type: 'Patient' }, { k: { $in: ['a', 'b'] } }] })).toEqual({ $and: [{ type: '?' }, { k: { $in: ['?'] } }] });
  });
});
