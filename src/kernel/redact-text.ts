export const REDACTED = '[redacted]';

/**
 * NIR / NIA shaped runs (13 to 15 digits, Corsica 2A/2B allowed, optionally spaced the usual way): the INS
 * values a message may quote, also right after a URL escape (`%7C`). Long enough not to catch versions or counts.
 */
const NIR_LIKE = /(?:(?<![0-9A-Za-z])|(?<=%[0-9A-Fa-f]{2}))[1-8][ .-]?[0-9]{2}[ .-]?[0-9]{2}[ .-]?(?:[0-9]{2}|2[ABab])[ .-]?[0-9]{3}[ .-]?[0-9]{3}(?:[ .-]?[0-9]{2})?(?![0-9A-Za-z])/g;

/** The text with every NIR / NIA shaped number replaced by [redacted], for log lines. */
export function redactIdentifiersInText(text: string): string {
  return text.replace(NIR_LIKE, REDACTED);
}
