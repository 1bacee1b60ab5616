/**
 * Canonical JSON: object keys sorted (by UTF-16 code units, as Array.prototype.sort), no whitespace, strings
 * and numbers as JSON.stringify writes them, undefined members left out. Two equal JSON values always give
 * the same text, whatever order their keys were written or stored in, so a hash over it survives storage.
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
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
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
