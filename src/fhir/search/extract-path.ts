import { isAbstractResource, type ChildSlot, type TypeModel } from './extract-types';

/** A value found by an expression with its context (see TypeModel): a data type, resource or backbone path. */
export interface PathNode {
  v: unknown;
  t: string;
  /** The implicit code system of a bound `code` value (see TypeModel). */
  s?: string;
}

export type PathProgram = (resource: object) => PathNode[];

/** Thrown when an expression is outside the fast subset; the caller falls back to the fhirpath package. */
export class UnsupportedExpression extends Error {}

type Op =
  | { op: 'child'; name: string }
  | { op: 'as'; type: string }
  | { op: 'resolveIs'; type: string }
  | { op: 'whereEq'; field: string; value: string }
  | { op: 'index'; n: number }
  | { op: 'extension'; url: string };

/**
 * Splits an R4 expression into its top-level union parts (`A | B | C`), respecting parentheses and quotes.
 */
export function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === "'") quoted = false;
    } else if (c === "'") quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.filter(Boolean);
}

/** The type an expression part starts from (`Observation.code` -> Observation), if it is a plain path. */
export function rootType(part: string): string | undefined {
  return /^\(?\s*([A-Z][A-Za-z]*)\b/.exec(part)?.[1];
}

const TOKEN_RE = /\s*(?:('(?:[^'\\]|\\.)*')|([A-Za-z_][A-Za-z0-9_]*)|(\d+)|(.))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN_RE.lastIndex < text.length && (m = TOKEN_RE.exec(text))) {
    const t = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (t !== undefined) tokens.push(t);
  }
  return tokens;
}

/** Parses the fast subset: paths, `as T`, `.as(T)`, `.ofType(T)`, `[n]`, `.where(resolve() is T)`,
 *  `.where(field='v')`, `.extension('url')`, with one optional level of parentheses around a path. */
function parse(part: string): { root: string; ops: Op[] } {
  const tokens = tokenize(part);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const expect = (t: string) => {
    if (tokens[i++] !== t) throw new UnsupportedExpression(part);
  };
  const ident = () => {
    const t = next();
    if (!t || !/^[A-Za-z_]/.test(t)) throw new UnsupportedExpression(part);
    return t;
  };
  const literal = () => {
    const t = next();
    if (!t || t[0] !== "'") throw new UnsupportedExpression(part);
    return t.slice(1, -1).replace(/\\(.)/g, '$1');
  };
  const ops: Op[] = [];
  const steps = () => {
    for (;;) {
      if (peek() === '[') {
        next();
        const n = Number(next());
        expect(']');
        if (!Number.isInteger(n)) throw new UnsupportedExpression(part);
        ops.push({ op: 'index', n });
      } else if (peek() === '.') {
        next();
        const name = ident();
        if (peek() !== '(') {
          ops.push({ op: 'child', name });
          continue;
        }
        next();
        if (name === 'as' || name === 'ofType') ops.push({ op: 'as', type: ident() });
        else if (name === 'extension') ops.push({ op: 'extension', url: literal() });
        else if (name === 'where') where();
        else throw new UnsupportedExpression(part);
        expect(')');
      } else if (peek() === 'as') {
        next();
        ops.push({ op: 'as', type: ident() });
      } else return;
    }
  };
  const where = () => {
    const first = ident();
    if (first === 'resolve') {
      expect('(');
      expect(')');
      expect('is');
      ops.push({ op: 'resolveIs', type: ident() });
    } else {
      expect('=');
      ops.push({ op: 'whereEq', field: first, value: literal() });
    }
  };
  let root: string;
  if (peek() === '(') {
    next();
    root = ident();
    steps();
    expect(')');
  } else root = ident();
  steps();
  if (i !== tokens.length) throw new UnsupportedExpression(part);
  return { root, ops };
}

export type NodeFn = (nodes: PathNode[]) => PathNode[];

/**
 * Compiles one union part for a resource type into a program over plain JSON. Throws UnsupportedExpression
 * when the part uses anything outside the fast subset or names an element the definitions do not know.
 * The program's `contexts` are what its results can be (the starting point of composite components).
 */
export function compilePath(
  model: TypeModel, resourceType: string, part: string,
): PathProgram & { contexts: ReadonlySet<string> } {
  const { root, ops } = parse(part);
  if (root !== resourceType && !isAbstractResource(root)) throw new UnsupportedExpression(part);
  const { run, contexts } = compileOps(model, ops, new Set([resourceType]), part);
  return Object.assign((resource: object) => run([{ v: resource, t: resourceType }]), { contexts });
}

/** Compiles an expression relative to nodes of the given contexts (a composite component such as `code`). */
export function compileRelative(
  model: TypeModel, contexts: ReadonlySet<string>, part: string,
): { run: NodeFn; contexts: ReadonlySet<string> } {
  if (part.startsWith('(') || part.startsWith('%')) throw new UnsupportedExpression(part);
  const { ops } = parse(`__context.${part}`);
  return compileOps(model, ops, new Set(contexts), part);
}

function compileOps(model: TypeModel, ops: Op[], start: Set<string>, part: string) {
  let contexts = start;
  const fns: NodeFn[] = [];
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k];
    const following = ops[k + 1];
    // `value as Quantity` reads only valueQuantity instead of every value[x] key then filtering.
    const only = op.op === 'child' && following?.op === 'as' ? following.type : undefined;
    if (only) k++;
    const compiled = compileOp(model, op, contexts, part, only);
    fns.push(compiled.fn);
    contexts = compiled.contexts;
  }
  const run: NodeFn = (input) => {
    let nodes = input;
    for (let k = 0; k < fns.length && nodes.length > 0; k++) nodes = fns[k](nodes);
    return nodes;
  };
  return { run, contexts };
}

function compileOp(model: TypeModel, op: Op, contexts: Set<string>, part: string, only?: string) {
  switch (op.op) {
    case 'child': {
      const table = new Map<string, ChildSlot[]>();
      const out = new Set<string>();
      for (const ctx of contexts) {
        const all = model.child(ctx, op.name);
        const slots = only ? all?.filter((s) => isA(s.type, only)) : all;
        if (!slots || slots.length === 0) continue;
        table.set(ctx, slots);
        for (const s of slots) out.add(s.type);
      }
      if (table.size === 0 && !only) throw new UnsupportedExpression(`${part}: no element ${op.name}`);
      const fn: NodeFn = (nodes) => {
        const result: PathNode[] = [];
        for (const n of nodes) {
          const slots = table.get(n.t);
          if (!slots || typeof n.v !== 'object' || n.v === null) continue;
          for (const s of slots) {
            const value = (n.v as Record<string, unknown>)[s.key];
            if (value === undefined || value === null) continue;
            if (Array.isArray(value)) for (const item of value) push(result, item, s.type, s.system);
            else push(result, value, s.type, s.system);
          }
        }
        return result;
      };
      return { fn, contexts: out };
    }
    case 'as': {
      const type = op.type;
      const fn: NodeFn = (nodes) => nodes.filter((n) => isA(n.t, type));
      return { fn, contexts: new Set([...contexts].filter((c) => isA(c, type))) };
    }
    case 'resolveIs': {
      const type = op.type;
      const fn: NodeFn = (nodes) => nodes.filter((n) => referenceIs(n.v, type));
      return { fn, contexts };
    }
    case 'whereEq': {
      const { field, value } = op;
      const fn: NodeFn = (nodes) =>
        nodes.filter((n) => (n.v as Record<string, unknown> | undefined)?.[field] === value);
      return { fn, contexts };
    }
    case 'index': {
      const n = op.n;
      const fn: NodeFn = (nodes) => (nodes.length > n ? [nodes[n]] : []);
      return { fn, contexts };
    }
    case 'extension': {
      const url = op.url;
      const fn: NodeFn = (nodes) => {
        const result: PathNode[] = [];
        for (const n of nodes) {
          const exts = (n.v as { extension?: { url?: string }[] } | undefined)?.extension;
          if (Array.isArray(exts)) for (const e of exts) if (e?.url === url) result.push({ v: e, t: 'Extension' });
        }
        return result;
      };
      return { fn, contexts: new Set(['Extension']) };
    }
  }
}

/** FHIR type specialisations that `as`/`ofType` accept for their base type (canonical is a uri...). */
const SUBTYPES: Record<string, readonly string[]> = {
  uri: ['url', 'canonical', 'oid', 'uuid'],
  string: ['code', 'id', 'markdown'],
  integer: ['positiveInt', 'unsignedInt'],
  Quantity: ['Age', 'Count', 'Distance', 'Duration', 'SimpleQuantity', 'MoneyQuantity'],
};

function isA(type: string, target: string): boolean {
  if (type === target || (SUBTYPES[target]?.includes(type) ?? false)) return true;
  // R4 writes `value.as(DateTime)` in a few places: FHIRPath system type names for FHIR primitives.
  return type.length > 0 && type[0] !== target[0] && type === target[0].toLowerCase() + target.slice(1);
}

function push(result: PathNode[], value: unknown, type: string, system?: string): void {
  if (value === null || value === undefined) return;
  if (isAbstractResource(type)) {
    const rt = (value as { resourceType?: unknown }).resourceType;
    if (typeof rt === 'string') result.push({ v: value, t: rt });
    return;
  }
  result.push(system ? { v: value, t: type, s: system } : { v: value, t: type });
}

const TYPED_REF = /^(?:.*\/)?([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[^/]+)?$/;

/** `resolve() is T` without resolving: the type named by the reference (or its `type` element). */
function referenceIs(value: unknown, type: string): boolean {
  const ref = value as { reference?: string; type?: string } | undefined;
  if (!ref) return false;
  if (typeof ref.reference === 'string') {
    const m = TYPED_REF.exec(ref.reference);
    if (m) return m[1] === type;
  }
  return ref.type === type;
}
