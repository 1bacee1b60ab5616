import { tooLarge } from '../../kernel/errors';
import { copyExactTexts } from '../../kernel/json/exact-numbers';

/** The nesting a posted body may have (the HTTP adapter refuses deeper JSON before parsing it). */
export const MAX_JSON_DEPTH = 100;

/** The bounds of a patched resource: its JSON size and its number of JSON values. */
export interface ResourceLimits {
  maxBytes: number;
  maxElements: number;
}

/**
 * The limits of a resource a client could post: its serialised size is bounded by the largest accepted body
 * (maxBodyBytes), its JSON values by maxResourceElements, which the body's scan checks.
 */
export function postedResourceLimits(maxBodyBytes: number, maxResourceElements: number): ResourceLimits {
  return { maxBytes: maxBodyBytes, maxElements: maxResourceElements };
}

export interface JsonSize {
  bytes: number;
  elements: number;
}

/**
 * The approximate serialised size and value count of `value` (keys and punctuation included), walked without
 * recursion. The walk stops as soon as either total passes `cap`, so measuring costs at most the budget left.
 */
export function measureJson(value: unknown, cap: JsonSize = { bytes: Infinity, elements: Infinity }): JsonSize {
  let bytes = 0;
  let elements = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    if (bytes > cap.bytes || elements > cap.elements) break;
    const node = stack.pop();
    elements++;
    if (typeof node === 'string') bytes += node.length + 3;
    else if (typeof node === 'number' || typeof node === 'boolean') bytes += String(node).length + 1;
    else if (node === null || node === undefined) bytes += 5;
    else if (Array.isArray(node)) {
      bytes += 2;
      for (let i = 0; i < node.length; i++) stack.push(node[i]);
    } else if (typeof node === 'object') {
      bytes += 2;
      for (const key of Object.keys(node)) {
        bytes += key.length + 3;
        stack.push((node as Record<string, unknown>)[key]);
      }
    }
  }
  return { bytes, elements };
}

/** 413 when `value` nests objects and arrays deeper than a posted body may (walked without recursion). */
export function assertDepthWithin(value: unknown, maxDepth = MAX_JSON_DEPTH): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= maxDepth) throw tooLarge(`The patched resource would be nested deeper than ${maxDepth} levels`);
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
}

/**
 * The running size of a document being patched: every value added is measured (up to what is left) before it
 * is copied in, so an operation that would take the document past its limits is refused before it runs.
 */
export class PatchBudget {
  private bytes: number;
  private elements: number;

  constructor(
    private readonly limits: ResourceLimits,
    initial: unknown,
  ) {
    const size = measureJson(initial);
    this.bytes = size.bytes;
    this.elements = size.elements;
  }

  /**
   * A deep copy of `value` (plain JSON) accounted for as entering the document, made in the same walk as its
   * measurement; 413 as soon as the copy would pass the limits, before more of it is built.
   */
  addCopy<T>(value: T, where: string): T {
    const left = { bytes: this.limits.maxBytes - this.bytes, elements: this.limits.maxElements - this.elements };
    const { copy, size } = copyWithin(value, left);
    if (size.bytes > left.bytes || size.elements > left.elements) throw this.refusal(where);
    this.bytes += size.bytes;
    this.elements += size.elements;
    return copy as T;
  }

  /** Accounts for `value` leaving the document. */
  remove(value: unknown): void {
    const size = measureJson(value);
    this.bytes -= size.bytes;
    this.elements -= size.elements;
  }

  private refusal(where: string) {
    return tooLarge(
      `${where} would make the patched resource larger than a resource may be (${this.limits.maxBytes} bytes, ${this.limits.maxElements} elements)`,
    );
  }
}

/**
 * Copies plain JSON while measuring it as measureJson does, recursively (no stack of tuples: this runs over
 * every value a patch copies). Stops with a partial copy once past `cap`; 413 past MAX_JSON_DEPTH levels,
 * the depth a posted body may have.
 */
function copyWithin(value: unknown, cap: JsonSize): { copy: unknown; size: JsonSize } {
  const size = { bytes: 0, elements: 0 };
  const copy = copyNode(value, cap, size, 0);
  return { copy, size };
}

function copyNode(node: unknown, cap: JsonSize, size: JsonSize, depth: number): unknown {
  size.elements++;
  if (typeof node !== 'object' || node === null) {
    size.bytes += typeof node === 'string' ? node.length + 3 : node === null || node === undefined ? 5 : String(node).length + 1;
    return node;
  }
  if (depth >= MAX_JSON_DEPTH) throw tooLarge(`The patched resource would be nested deeper than ${MAX_JSON_DEPTH} levels`);
  size.bytes += 2;
  if (Array.isArray(node)) {
    const copy: unknown[] = new Array(node.length);
    for (let i = 0; i < node.length; i++) {
      if (size.bytes > cap.bytes || size.elements > cap.elements) return copy;
      copy[i] = copyNode(node[i], cap, size, depth + 1);
    }
    copyExactTexts(node, copy);
    return copy;
  }
  const copy: Record<string, unknown> = {};
  for (const key in node) {
    if (!Object.prototype.hasOwnProperty.call(node, key)) continue;
    if (size.bytes > cap.bytes || size.elements > cap.elements) return copy;
    size.bytes += key.length + 3;
    copy[key] = copyNode((node as Record<string, unknown>)[key], cap, size, depth + 1);
  }
  copyExactTexts(node, copy);
  return copy;
}
