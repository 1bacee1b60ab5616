import { exactToJSON, lostToJSON, withExactTexts } from './exact-numbers';
import { withRawMembers } from './raw-member';

/** A number text marked by exactToJSON, as JSON.stringify escapes it: `"\u0000` + text + `"`. */
const MARKED_NUMBER = /"\\u0000(-?[0-9][0-9.eE+-]*)"/g;

/**
 * JSON.stringify that writes numbers read by readJson exactly as they were written. It stays native: holders
 * of exact numbers hand JSON.stringify marked strings, turned back into raw number text in one replace that
 * only runs when a mark is present. Raw members (raw-member.ts) are spliced in as their stored text.
 */
export function writeJson(value: unknown, indent?: number): string {
  const write = () =>
    withExactTexts(() => {
      const root = lostToJSON(value) ? exactToJSON.call(value as Record<string, unknown>) : value;
      return JSON.stringify(root, null, indent);
    });
  // Indented output parses raw members instead, so that they are indented too.
  const text = indent === undefined ? withRawMembers(write) : write();
  return text !== undefined && text.includes('\\u0000') ? text.replace(MARKED_NUMBER, '$1') : text;
}
