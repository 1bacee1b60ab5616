import type { ValidationContext } from './validation-context';

const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/([A-Za-z0-9\-.]{1,64}))?$/;
const CONDITIONAL = /^([A-Z][A-Za-z]+)\?\S*$/;
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/]+\S*$/;
const URN_UUID = /^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const URN_OID = /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/;

/**
 * Checks `Reference.reference`: a relative `Type/id[/_history/vid]` to a known type, a conditional
 * reference `Type?query` (resolved by the transaction processor), an absolute URL, a `urn:uuid:` or
 * `urn:oid:` (rewritten by the transaction processor) or `#id` naming a contained resource. Where the element
 * restricts the target types, a relative or conditional reference to another type is an error.
 */
export function checkReference(
  reference: string,
  targetTypes: ReadonlySet<string> | undefined,
  isResourceType: (type: string) => boolean,
  path: string,
  ctx: ValidationContext,
): void {
  if (reference.startsWith('#')) {
    const id = reference.slice(1);
    if (id !== '' && !ctx.containedIds.has(id)) {
      ctx.error('invariant', `The local reference '${reference}' does not match the id of any contained resource`, path);
    }
    return;
  }
  if (reference.startsWith('urn:')) {
    if (!URN_UUID.test(reference) && !URN_OID.test(reference)) {
      ctx.error('value', `'${reference}' is not a valid urn:uuid: or urn:oid: reference`, path);
    }
    return;
  }
  const match = RELATIVE.exec(reference) ?? CONDITIONAL.exec(reference);
  if (match) {
    const type = match[1];
    if (!isResourceType(type)) {
      ctx.error('value', `The reference '${reference}' names an unknown resource type '${type}'`, path);
    } else if (targetTypes && !targetTypes.has(type)) {
      ctx.error(
        'business-rule',
        `The reference '${reference}' points to a ${type}; this element allows only ${[...targetTypes].join(', ')}`,
        path,
      );
    }
    return;
  }
  if (ABSOLUTE.test(reference)) return;
  ctx.error(
    'value',
    `'${reference.slice(0, 100)}' is not a valid reference (expected Type/id, an absolute URL, #id or urn:uuid:)`,
    path,
  );
}
