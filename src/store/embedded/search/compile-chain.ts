import type { ChainLink, SearchFilter } from '../../../fhir/search/search-request';
import { compileFilter } from './compile-filter';
import { inList, type Sql } from './compile-value';
import type { ParamIds } from './param-ids';

/** The types at the end of a chain prefix. */
function typesAfter(link: ChainLink): string[] {
  return link.direction === 'forward' ? link.targetTypes : [link.resourceType];
}

/**
 * A chained filter as one SQL condition: the rids matching the final parameter at the end of the chain,
 * then, link by link back to the searched types, a join through idx_reference to resources(type, id):
 *   forward  (subject.name):   rids whose reference `code` targets a resource in the set
 *   reverse  (_has:Obs:subject:code): the resources that a member of the set references by `code`
 * Every step is an index search (idx_reference_target, resources' UNIQUE (type, id), primary keys). CROSS JOIN
 * pins the target as the outer loop: otherwise SQLite may walk every reference of the parameter.
 */
export function compileChain(filter: SearchFilter, types: readonly string[], ids: ParamIds, alias: string): Sql {
  const links = filter.chain!;
  const depth = links.length;
  const endTypes = typesAfter(links[depth - 1]);
  const c = `c${depth}`;
  const final = compileFilter({ ...filter, chain: undefined }, endTypes, ids, c);
  const t = inList(endTypes);
  let set: Sql = {
    text: `SELECT ${c}.rid FROM resources ${c} WHERE ${final.drives ? '+' : ''}${c}.type ${t.text} AND ${c}.deleted = 0 AND ${final.text}`,
    args: [...t.args, ...final.args],
  };
  for (let i = depth - 1; i >= 0; i--) {
    const link = links[i];
    const sourceTypes = i === 0 ? types : typesAfter(links[i - 1]);
    if (link.direction === 'forward') {
      const pids = ids.lookup(sourceTypes, link.code);
      if (pids.length === 0) return { text: '0', args: [] };
      const p = inList(pids);
      set = {
        text:
          `SELECT f${i}.rid FROM resources t${i} CROSS JOIN idx_reference f${i} ON f${i}.param_id ${p.text} ` +
          `AND f${i}.target_id = t${i}.id AND f${i}.target_type = t${i}.type WHERE t${i}.rid IN (${set.text})`,
        args: [...p.args, ...set.args],
      };
    } else {
      const pids = ids.lookup([link.resourceType], link.code);
      if (pids.length === 0) return { text: '0', args: [] };
      const p = inList(pids);
      const s = inList(sourceTypes);
      set = {
        text:
          `SELECT t${i}.rid FROM idx_reference h${i} JOIN resources t${i} ON t${i}.type = h${i}.target_type ` +
          `AND t${i}.id = h${i}.target_id WHERE h${i}.rid IN (${set.text}) AND +h${i}.param_id ${p.text} ` +
          `AND t${i}.deleted = 0 AND +t${i}.type ${s.text}`,
        args: [...set.args, ...p.args, ...s.args],
      };
    }
  }
  return { text: `${alias}.rid IN (${set.text})`, args: set.args, drives: true };
}
