import { CHAIN_URL, type ChainMark } from './chain';

const HEAD = '{"resourceType":"AuditEvent","id":"';
const CHAIN_START = ',"extension":[{"extension":[{"url":"sequence","valueInteger":';
const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** The chain extension as the audit job writes it (canonical order), the only top-level extension, before `outcome`. */
const CHAIN = new RegExp(
  `${escaped(CHAIN_START)}(\\d{1,15})\\},\\{"url":"previous","valueString":"([0-9a-f]{64})"\\},\\{"url":"hash","valueString":"([0-9a-f]{64})"\\}\\],"url":"${escaped(CHAIN_URL)}"\\}\\](?=,"outcome":)`,
  'y',
);

/**
 * The canonical text and chain mark of an AuditEvent the audit job wrote, read from the embedded store's text
 * without parsing it: that text is the canonical JSON with `"meta":{…}` after the id (versionId and
 * lastUpdated last) and the chain extension where `extension` sorts. Undefined when the text is not of that
 * shape (another backend, a resource written otherwise): the caller then parses and canonicalises.
 *
 * A cut never hides content: the meta cut ends at the first `"}` after the first `"lastUpdated":"`, never
 * beyond the real end of meta, and the chain cut is of a fixed shape; when the text of a rewritten event
 * differs, the hash differs and the caller rechecks the slow way.
 */
export function canonicalFromStoredText(text: string): { canonical: string; mark: ChainMark } | undefined {
  if (!text.startsWith(HEAD)) return undefined;
  const metaStart = text.indexOf(',"meta":{', HEAD.length);
  if (metaStart < 0 || text.indexOf('"', HEAD.length) !== metaStart - 1) return undefined;
  const lastUpdated = text.indexOf('"lastUpdated":"', metaStart);
  const metaClose = lastUpdated < 0 ? -1 : text.indexOf('"}', lastUpdated + 15);
  if (metaClose < 0) return undefined;
  const metaEnd = metaClose + 2;
  const chainAt = text.indexOf(CHAIN_START, metaEnd);
  if (chainAt < 0) return undefined;
  CHAIN.lastIndex = chainAt;
  const m = CHAIN.exec(text);
  if (!m) return undefined;
  const canonical = text.slice(0, metaStart) + text.slice(metaEnd, chainAt) + text.slice(CHAIN.lastIndex);
  return { canonical, mark: { sequence: Number(m[1]), previous: m[2], hash: m[3] } };
}
