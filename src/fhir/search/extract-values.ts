import { parseDateRange } from './date-range';
import { MAX_TIME, MIN_TIME, type IndexEntry } from './index-entry';
import { normalizeString } from './normalize';
import type { PathNode } from './extract-path';

type Rec = Record<string, unknown>;
type Emit = (entry: IndexEntry) => void;

export interface ValueContext {
  /** Our public base URL (no trailing slash): absolute references under it are indexed as local ones. */
  baseUrl?: string;
}

const HUMAN_NAME_PARTS = ['family', 'given', 'prefix', 'suffix', 'text'];
const ADDRESS_PARTS = ['line', 'city', 'district', 'state', 'postalCode', 'country', 'text'];
const QUANTITY_TYPES = new Set(['Quantity', 'Age', 'Duration', 'Distance', 'Count', 'SimpleQuantity', 'MoneyQuantity']);
const NUMBER_TYPES = new Set(['decimal', 'integer', 'unsignedInt', 'positiveInt', 'integer64']);
const DATE_TYPES = new Set(['date', 'dateTime', 'instant']);

/** Adds the entries of one value of a search parameter of kind `kind` (the SearchParameter.type). */
export function emitValue(kind: string, code: string, group: number, node: PathNode, ctx: ValueContext, emit: Emit) {
  const v = node.v;
  const t = node.t;
  switch (kind) {
    case 'string':
      if (typeof v === 'string') return emitString(code, group, v, emit);
      if (t === 'HumanName') return emitParts(code, group, v as Rec, HUMAN_NAME_PARTS, emit);
      if (t === 'Address') return emitParts(code, group, v as Rec, ADDRESS_PARTS, emit);
      if (typeof (v as Rec)?.text === 'string') return emitString(code, group, (v as Rec).text as string, emit);
      return;
    case 'token':
      if (typeof v === 'string' && node.s) return token(code, group, node.s, v, emit);
      return emitToken(code, group, t, v, emit);
    case 'reference':
      return emitReference(code, group, v, ctx, emit);
    case 'date':
      return emitDate(code, group, t, v, emit);
    case 'number':
      if (typeof v === 'number') return emit({ kind: 'number', code, group, value: v, ...precision(v) });
      if (NUMBER_TYPES.has(t) && typeof v === 'string' && Number.isFinite(+v))
        return emit({ kind: 'number', code, group, value: +v, ...precision(+v) });
      return;
    case 'quantity':
      return emitQuantity(code, group, t, v as Rec, emit);
    case 'uri':
      if (typeof v === 'string') emit({ kind: 'uri', code, group, value: v });
      return;
  }
}

function emitString(code: string, group: number, text: string, emit: Emit) {
  const norm = normalizeString(text);
  if (norm || text) emit({ kind: 'string', code, group, norm, exact: text });
}

function emitParts(code: string, group: number, v: Rec, parts: string[], emit: Emit) {
  for (const part of parts) {
    const value = v[part];
    if (typeof value === 'string') emitString(code, group, value, emit);
    else if (Array.isArray(value)) for (const s of value) if (typeof s === 'string') emitString(code, group, s, emit);
  }
}

function token(code: string, group: number, system: unknown, value: unknown, emit: Emit) {
  const s = typeof system === 'string' ? system : '';
  const c = typeof value === 'string' ? value : '';
  if (s || c) emit({ kind: 'token', code, group, system: s, value: c });
}

function emitCoding(code: string, group: number, c: Rec, emit: Emit) {
  token(code, group, c.system, c.code, emit);
  if (typeof c.display === 'string') emitString(code + ':text', group, c.display, emit);
}

function emitToken(code: string, group: number, t: string, v: unknown, emit: Emit) {
  if (typeof v === 'string') return token(code, group, '', v, emit);
  if (typeof v === 'boolean' || typeof v === 'number') return token(code, group, '', String(v), emit);
  if (typeof v !== 'object' || v === null) return;
  const r = v as Rec;
  if (t === 'Identifier' || (t === 'unknown' && 'value' in r && !('use' in r && 'system' in r && !('type' in r)))) {
    token(code, group, r.system, r.value, emit);
    const type = r.type as Rec | undefined;
    if (type && typeof r.value === 'string') {
      for (const c of (type.coding as Rec[] | undefined) ?? []) {
        if (typeof c.code === 'string') token(code + ':of-type', group, c.system, `${c.code}|${r.value}`, emit);
      }
    }
    return;
  }
  if (t === 'ContactPoint') return token(code, group, '', r.value, emit);
  if (t === 'Coding' || (t !== 'CodeableConcept' && 'code' in r)) return emitCoding(code, group, r, emit);
  // CodeableConcept (or an untyped value with codings)
  for (const c of (r.coding as Rec[] | undefined) ?? []) if (c) emitCoding(code, group, c, emit);
  if (typeof r.text === 'string') emitString(code + ':text', group, r.text, emit);
}

const LOCAL_REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;
const ABSOLUTE_TAIL = /\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

function emitReference(code: string, group: number, v: unknown, ctx: ValueContext, emit: Emit) {
  if (typeof v === 'string') return emitReferenceString(code, group, v, undefined, ctx, emit);
  if (typeof v !== 'object' || v === null) return;
  const r = v as Rec;
  if (typeof r.reference === 'string') emitReferenceString(code, group, r.reference, r.type, ctx, emit);
  const identifier = r.identifier as Rec | undefined;
  if (identifier) token(code + ':identifier', group, identifier.system, identifier.value, emit);
}

function emitReferenceString(code: string, group: number, ref: string, type: unknown, ctx: ValueContext, emit: Emit) {
  if (ref.startsWith('#') || ref === '') return;
  const local = LOCAL_REF.exec(ref);
  if (local) {
    emit({ kind: 'reference', code, group, targetType: local[1], targetId: local[2], url: null, version: null });
    return;
  }
  const bar = ref.indexOf('|');
  const url = bar >= 0 ? ref.slice(0, bar) : ref;
  const version = bar >= 0 ? ref.slice(bar + 1) : null;
  if (ctx.baseUrl && url.startsWith(ctx.baseUrl + '/')) {
    const ours = LOCAL_REF.exec(url.slice(ctx.baseUrl.length + 1));
    if (ours) {
      emit({ kind: 'reference', code, group, targetType: ours[1], targetId: ours[2], url: null, version: null });
      return;
    }
  }
  // Foreign absolute references keep their type/id too, so `subject=Patient/1` style lookups by id can reach
  // them only through the url column (type/id are informative, for `:[type]` and chaining later).
  const tail = ABSOLUTE_TAIL.exec(url);
  const targetType = tail ? tail[1] : typeof type === 'string' ? type : null;
  emit({ kind: 'reference', code, group, targetType, targetId: null, url, version });
}

function emitDate(code: string, group: number, t: string, v: unknown, emit: Emit) {
  if (typeof v === 'string') {
    if (!DATE_TYPES.has(t) && t !== 'unknown') return;
    const range = parseDateRange(v);
    if (range) emit({ kind: 'date', code, group, low: range.low, high: range.high });
    return;
  }
  if (typeof v !== 'object' || v === null) return;
  const r = v as Rec;
  if (t === 'Timing' || 'event' in r || 'repeat' in r) {
    for (const e of (r.event as unknown[] | undefined) ?? []) emitDate(code, group, 'dateTime', e, emit);
    const bounds = (r.repeat as Rec | undefined)?.boundsPeriod;
    if (bounds) emitDate(code, group, 'Period', bounds, emit);
    return;
  }
  if (t === 'Period' || 'start' in r || 'end' in r) {
    const start = typeof r.start === 'string' ? parseDateRange(r.start) : undefined;
    const end = typeof r.end === 'string' ? parseDateRange(r.end) : undefined;
    if (!start && !end) return;
    emit({ kind: 'date', code, group, low: start ? start.low : MIN_TIME, high: end ? end.high : MAX_TIME });
  }
}

function emitQuantity(code: string, group: number, t: string, v: Rec, emit: Emit) {
  if (typeof v !== 'object' || v === null) return;
  if (t === 'Range') {
    const low = (v.low as Rec | undefined)?.value;
    const high = (v.high as Rec | undefined)?.value;
    const unitOf = (v.low ?? v.high) as Rec | undefined;
    if (typeof low !== 'number' && typeof high !== 'number') return;
    emit({
      kind: 'quantity', code, group,
      value: typeof low === 'number' ? low : (high as number),
      low: typeof low === 'number' ? low : -Infinity,
      high: typeof high === 'number' ? high : Infinity,
      system: typeof unitOf?.system === 'string' ? unitOf.system : '',
      unit: typeof unitOf?.code === 'string' ? unitOf.code : typeof unitOf?.unit === 'string' ? unitOf.unit : '',
    });
    return;
  }
  if (t === 'Money') {
    if (typeof v.value !== 'number') return;
    const currency = typeof v.currency === 'string' ? v.currency : '';
    const system = currency ? 'urn:iso:std:iso:4217' : '';
    emit({ kind: 'quantity', code, group, value: v.value, ...precision(v.value), system, unit: currency });
    return;
  }
  if (!QUANTITY_TYPES.has(t) && t !== 'unknown') return;
  if (typeof v.value !== 'number') return;
  emit({
    kind: 'quantity', code, group, value: v.value, ...precision(v.value),
    system: typeof v.system === 'string' ? v.system : '',
    unit: typeof v.code === 'string' ? v.code : typeof v.unit === 'string' ? v.unit : '',
  });
}

/** The implicit range of a number from its significant decimals: 100 -> [99.5, 100.5]. */
export function precision(value: number, text = String(value)): { low: number; high: number } {
  const e = text.search(/[eE]/);
  const mantissa = e >= 0 ? text.slice(0, e) : text;
  const exponent = e >= 0 ? Number(text.slice(e + 1)) : 0;
  const dot = mantissa.indexOf('.');
  const decimals = (dot >= 0 ? mantissa.length - dot - 1 : 0) - exponent;
  const half = 0.5 * 10 ** -decimals;
  return { low: value - half, high: value + half };
}
