import type { Resource, SearchParameter } from '@medplum/fhirtypes';
import { tooLarge } from '../../kernel/errors';
import type { Definitions } from '../conformance/definitions';
import { METERED_OPTIONS, metered } from '../model/fhirpath-meter';
import { compileComposite, emitComposite, type CompiledComposite } from './extract-composite';
import { compileExistsNotFalse } from './extract-exists';
import { compilePath, rootType, splitUnion, UnsupportedExpression, type PathNode, type PathProgram } from './extract-path';
import { TypeModel } from './extract-types';
import { emitValue, type ValueContext } from './extract-values';
import type { IndexEntry } from './index-entry';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const fhirpath = require('fhirpath') as { compile(expr: string, model: unknown, options?: object): (r: unknown) => unknown[] };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const r4Model = require('fhirpath/fhir-context/r4') as unknown;

/** Kinds stored in index tables; composite and special parameters are handled by later work (issue 3). */
export const INDEXED_KINDS = new Set(['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri']);
/** Served from the resources table itself, never indexed. */
const FROM_RESOURCE_ROW = new Set(['_id', '_lastUpdated']);

export interface CompiledParam {
  code: string;
  kind: string;
  param: SearchParameter;
  programs: PathProgram[];
  /** How many of the programs use the fhirpath package (for diagnostics and the benchmark). A compiled
   *  `exists() and != false` program is not counted: it defers to the package only on invalid shapes. */
  fallbacks: number;
}

interface CompiledType {
  params: CompiledParam[];
  composites: CompiledComposite[];
}

export interface Extractor {
  /** Every index entry of a resource; the same entry may appear twice (stores keep one). */
  extract(resource: Resource): IndexEntry[];
  /** The compiled parameters of a type (compiled once, on first use). */
  compiled(resourceType: string): readonly CompiledParam[];
  /** The composite parameters of a type the fast path could compile (the others are not indexed yet). */
  compiledComposites(resourceType: string): readonly CompiledComposite[];
}

/**
 * Most search-index entries one resource may need. An ImagingStudy of 5,000 instances needs about 10,000;
 * a resource past this is refused (413) as it is extracted, so that one body of a few megabytes of distinct
 * names cannot cost seconds of indexing and a million rows.
 */
export const MAX_INDEX_ENTRIES = 50_000;

export interface ExtractorOptions extends ValueContext {
  /** Index entries one resource may need (MAX_INDEX_ENTRIES by default). */
  maxEntries?: number;
  /** false: evaluate every expression with the fhirpath package (the reference the fast path is tested against). */
  fastPath?: boolean;
}

export function createExtractor(definitions: Definitions, options: ExtractorOptions = {}): Extractor {
  const model = new TypeModel(definitions);
  const byType = new Map<string, CompiledType>();
  const ctx: ValueContext = { baseUrl: options.baseUrl?.replace(/\/+$/, '') };
  const maxEntries = options.maxEntries ?? MAX_INDEX_ENTRIES;

  const compiledType = (resourceType: string): CompiledType => {
    let compiled = byType.get(resourceType);
    if (!compiled) {
      const fastPath = options.fastPath !== false;
      compiled = {
        params: compileType(definitions, model, resourceType, fastPath),
        composites: fastPath
          ? definitions.searchParameters(resourceType)
              .filter((p) => p.type === 'composite')
              .map((p) => compileComposite(definitions, model, resourceType, p))
              .filter((c): c is CompiledComposite => c !== undefined)
          : [],
      };
      byType.set(resourceType, compiled);
    }
    return compiled;
  };

  const extract = (resource: Resource): IndexEntry[] => {
    // No deduplication here (it cost a fifth of the time): stores ignore duplicate rows (primary keys).
    const entries: IndexEntry[] = [];
    const emit = (e: IndexEntry) => {
      if (entries.length >= maxEntries) {
        throw tooLarge(`${resource.resourceType} would need more than ${maxEntries} search-index entries: too large to index`);
      }
      entries.push(e);
    };
    const { params, composites } = compiledType(resource.resourceType);
    for (const p of params) {
      for (const program of p.programs) {
        const nodes = program(resource);
        for (let i = 0; i < nodes.length; i++) emitValue(p.kind, p.code, 0, nodes[i], ctx, emit);
      }
    }
    for (const c of composites) emitComposite(c, resource, ctx, emit);
    return entries;
  };

  return {
    extract,
    compiled: (resourceType) => compiledType(resourceType).params,
    compiledComposites: (resourceType) => compiledType(resourceType).composites,
  };
}

function compileType(
  definitions: Definitions, model: TypeModel, resourceType: string, fastPath: boolean,
): CompiledParam[] {
  const result: CompiledParam[] = [];
  for (const param of definitions.searchParameters(resourceType)) {
    const code = param.code as string;
    if (!param.expression || !INDEXED_KINDS.has(param.type) || FROM_RESOURCE_ROW.has(code)) continue;
    const programs: PathProgram[] = [];
    let fallbacks = 0;
    for (const part of splitUnion(param.expression)) {
      const root = rootType(part);
      if (root !== resourceType && root !== 'Resource' && root !== 'DomainResource') continue;
      try {
        if (!fastPath) throw new UnsupportedExpression(part);
        const slow = () => fallback(part, param.type);
        programs.push(compileExistsNotFalse(model, resourceType, part, slow) ?? compilePath(model, resourceType, part));
      } catch (e) {
        if (!(e instanceof UnsupportedExpression)) throw e;
        programs.push(fallback(part, param.type));
        fallbacks++;
      }
    }
    if (programs.length > 0) result.push({ code, kind: param.type, param, programs, fallbacks });
  }
  return result;
}

/**
 * An expression the compiled paths do not support, evaluated by fhirpath.js under the FHIRPath budget. An
 * evaluation that fails, or passes the budget (only a pathological resource can), indexes nothing for it.
 */
function fallback(part: string, kind: string): PathProgram {
  const fn = fhirpath.compile(part, r4Model, METERED_OPTIONS);
  return (resource) => {
    let values: unknown[];
    try {
      values = metered(`Search expression ${part}`, () => fn(resource));
    } catch {
      return [];
    }
    return values.map((v): PathNode => ({ v, t: guessType(v, kind) }));
  };
}

/** The fhirpath package returns plain JSON; recover the data type from the shape where it matters. */
function guessType(v: unknown, kind: string): string {
  if (typeof v === 'string') return kind === 'date' ? 'dateTime' : 'string';
  if (typeof v !== 'object' || v === null) return typeof v;
  const r = v as Record<string, unknown>;
  if ('family' in r || 'given' in r) return 'HumanName';
  if ('line' in r || 'city' in r || 'postalCode' in r || 'country' in r) return 'Address';
  if ('coding' in r) return 'CodeableConcept';
  if ('reference' in r) return 'Reference';
  if ('start' in r || 'end' in r) return 'Period';
  if ('low' in r || 'high' in r) return 'Range';
  if (typeof r.value === 'number') return 'Quantity';
  if (typeof r.value === 'string') {
    // ContactPoint.system is a code (phone, email...); Identifier.system is a URI.
    return typeof r.system === 'string' && !r.system.includes(':') ? 'ContactPoint' : 'Identifier';
  }
  if ('code' in r || 'system' in r) return 'Coding';
  return 'unknown';
}

export function entryKey(e: IndexEntry): string {
  switch (e.kind) {
    case 'string':
      return `s\0${e.code}\0${e.group}\0${e.exact}`;
    case 'token':
      return `t\0${e.code}\0${e.group}\0${e.system}\0${e.value}`;
    case 'reference':
      return `r\0${e.code}\0${e.group}\0${e.targetType}\0${e.targetId}\0${e.url}\0${e.version}`;
    case 'date':
      return `d\0${e.code}\0${e.group}\0${e.low}\0${e.high}`;
    case 'number':
      return `n\0${e.code}\0${e.group}\0${e.value}`;
    case 'quantity':
      return `q\0${e.code}\0${e.group}\0${e.value}\0${e.system}\0${e.unit}\0${e.low}\0${e.high}`;
    case 'uri':
      return `u\0${e.code}\0${e.group}\0${e.value}`;
  }
}
