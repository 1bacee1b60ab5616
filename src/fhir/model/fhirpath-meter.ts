import { FhirError, issue } from '../../kernel/errors';

/**
 * Bounds on one FHIRPath evaluation: `maxSteps` expression nodes evaluated (a nested `select` or `where`
 * evaluates its argument once per item, so steps grow with the work done), `maxItems` items in any one
 * intermediate collection, and `maxTotalItems` items over all steps (the memory and time spent building
 * collections). Only function arguments (where, select, exists(criteria)...) are evaluated once per item;
 * a path is one step whatever the size of its collection, so ordinary expressions take tens of steps, and
 * a step costs a few microseconds: the defaults stop an evaluation within about a tenth of a second.
 */
export interface FhirPathLimits {
  maxSteps: number;
  maxItems: number;
  maxTotalItems: number;
}

export const DEFAULT_FHIRPATH_LIMITS: FhirPathLimits = { maxSteps: 25_000, maxItems: 100_000, maxTotalItems: 500_000 };

/** An evaluation that passed its limits: 422 too-costly (the expression is valid but too expensive to run here). */
export class FhirPathTooCostly extends FhirError {
  constructor(what: string, limit: string) {
    super(422, [issue('too-costly', `${what}: FHIRPath evaluation stopped after ${limit}`)]);
  }
}

interface Meter {
  what: string;
  limits: FhirPathLimits;
  steps: number;
  totalItems: number;
}

// Evaluation is synchronous, so the meter of the evaluation under way is simply the current one.
let current: Meter | undefined;

function onStep(_ctx: unknown, _focus: unknown, result: unknown): void {
  const meter = current;
  if (!meter) return;
  const items = Array.isArray(result) ? result.length : 1;
  meter.steps++;
  meter.totalItems += items;
  if (meter.steps > meter.limits.maxSteps) throw new FhirPathTooCostly(meter.what, `${meter.limits.maxSteps} steps`);
  if (items > meter.limits.maxItems) throw new FhirPathTooCostly(meter.what, `a collection of more than ${meter.limits.maxItems} items`);
  if (meter.totalItems > meter.limits.maxTotalItems) {
    throw new FhirPathTooCostly(meter.what, `building ${meter.limits.maxTotalItems} items in all`);
  }
}

/** fhirpath.js options that let `metered` count the work of an evaluation (add them to compile or evaluate). */
export const METERED_OPTIONS = { debugger: onStep } as const;

/**
 * Runs `evaluation` (a fhirpath.js evaluation compiled or called with METERED_OPTIONS) under `limits`; throws
 * FhirPathTooCostly as soon as one is passed. `what` names the evaluation in the error.
 */
export function metered<T>(what: string, evaluation: () => T, limits: FhirPathLimits = DEFAULT_FHIRPATH_LIMITS): T {
  const previous = current;
  current = { what, limits, steps: 0, totalItems: 0 };
  try {
    return evaluation();
  } finally {
    current = previous;
  }
}
