/**
 * Canonical JSON of the audit chain: no whitespace; in every object `resourceType` first, then `id`, then the
 * other keys sorted (by UTF-16 code units, as Array.prototype.sort); strings and numbers as JSON.stringify
 * writes them; undefined members left out. Equal JSON values give the same text whatever order their keys
 * were written or stored in, so a hash over it survives storage. (resourceType and id lead because that is
 * how the store writes a resource: the text it keeps is then the canonical text with meta spliced in, and
 * the verification can hash it without parsing, see verify-chain.ts.)
 */
export function canonicalJson(value: unknown): string {
  return write(value, undefined);
}

/**
 * Canonical JSON of an object without some of its top-level members and, when `keepExtension` is given, with
 * only the top-level `extension` items it keeps (the member is left out when none is kept). This is how the
 * audit chain hashes an AuditEvent without its `meta` and its own chain extension, without copying it.
 */
export function canonicalJsonWithout(
  value: Record<string, unknown>,
  omit: ReadonlySet<string>,
  keepExtension?: (item: unknown) => boolean,
): string {
  return write(value, { omit, keepExtension });
}

/** A deep copy of a JSON value with the keys of every object in canonical order (what the audit job stores). */
export function inCanonicalOrder<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => inCanonicalOrder(item)) as T;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of orderedKeys(record)) if (record[key] !== undefined) out[key] = inCanonicalOrder(record[key]);
  return out as T;
}

const rank = (key: string) => (key === 'resourceType' ? 0 : key === 'id' ? 1 : 2);

function orderedKeys(record: Record<string, unknown>): string[] {
  return Object.keys(record).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

interface TopLevel {
  omit: ReadonlySet<string>;
  keepExtension?: (item: unknown) => boolean;
}

function write(value: unknown, top: TopLevel | undefined): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined ? 'null' : write(item, undefined);
    }
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of orderedKeys(record)) {
    let member = record[key];
    if (member === undefined) continue;
    if (top) {
      if (top.omit.has(key)) continue;
      if (key === 'extension' && top.keepExtension && Array.isArray(member)) {
        member = member.filter(top.keepExtension);
        if ((member as unknown[]).length === 0) continue;
      }
    }
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(key) + ':' + write(member, undefined);
  }
  return out + '}';
}
