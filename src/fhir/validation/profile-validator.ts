import type { StructureDefinition } from '@medplum/fhirtypes';
import type { Definitions } from '../conformance/definitions';
import type { TerminologyService } from '../terminology/terminology-service';
import { BindingChecker } from './profile-bindings';
import { compileProfile, deepEqual, patternMatches, type PlanNode, type ProfilePlan } from './profile-plan';
import type { ValidationContext } from './validation-context';

/**
 * Validation against constraint profiles (meta.profile, $validate?profile, required profiles). Each profile
 * is compiled once, on first use, into a ProfilePlan; a validation is one walk of the resource along the
 * plan's elements: cardinality, fixed/pattern values, slices, bindings and invariants, each issue with the
 * path of the offending element (e.g. `Patient.identifier[0].value`).
 */
export class ProfileValidator {
  private readonly plans = new Map<string, ProfilePlan | null>();
  private readonly bindings: BindingChecker;

  constructor(private readonly definitions: Definitions, terminology: TerminologyService) {
    this.bindings = new BindingChecker(terminology);
  }

  /** A loaded profile: a constraint StructureDefinition, or a base definition (nothing more to check). */
  knows(url: string): boolean {
    return this.definitions.profile(url.split('|')[0]) !== undefined;
  }

  validate(resource: Record<string, unknown>, url: string, ctx: ValidationContext, where: string): void {
    const canonical = url.split('|')[0];
    const definition = this.definitions.profile(canonical);
    const type = resource.resourceType as string;
    if (!definition) {
      ctx.warning('not-supported', `Profile '${canonical}' is not known to this server: the resource was not checked against it`, where);
      return;
    }
    if (definition.type !== type) {
      ctx.error('business-rule', `Profile '${canonical}' constrains ${definition.type}, not ${type}`, where);
      return;
    }
    if (definition.derivation !== 'constraint') return;
    const plan = this.plan(canonical, definition);
    checkElement(plan.root, resource, type, { ctx, root: resource, bindings: this.bindings, profile: canonical });
  }

  private plan(url: string, definition: StructureDefinition): ProfilePlan {
    let plan = this.plans.get(url);
    if (!plan) {
      plan = compileProfile(definition);
      this.plans.set(url, plan);
    }
    return plan;
  }
}

interface Walk {
  ctx: ValidationContext;
  root: unknown;
  bindings: BindingChecker;
  profile: string;
}

function checkElement(node: PlanNode, item: unknown, path: string, walk: Walk): void {
  const { ctx } = walk;
  if (node.fixed !== undefined && !deepEqual(node.fixed, item)) {
    ctx.error('business-rule', `Must be exactly ${JSON.stringify(node.fixed)} (${node.id} in ${walk.profile})`, path);
  }
  if (node.pattern !== undefined && !patternMatches(node.pattern, item)) {
    ctx.error('business-rule', `Must match the pattern ${JSON.stringify(node.pattern)} (${node.id} in ${walk.profile})`, path);
  }
  if (node.binding) {
    const result = walk.bindings.check(node.binding.valueSet, item);
    if (result === 'unknown-value-set') {
      ctx.warning('not-supported', `ValueSet '${node.binding.valueSet}' is not known: the binding was not checked`, path);
    } else if (result === 'outside-fragment') {
      ctx.warning('not-found', `The code could not be checked: this server holds only part of its code system, and the ValueSet '${node.binding.valueSet}' takes all of it (${node.id} in ${walk.profile})`, path);
    } else if (result === 'not-in-value-set') {
      const message = `The code is not in the ValueSet '${node.binding.valueSet}' (${node.binding.strength} binding of ${node.id} in ${walk.profile})`;
      if (node.binding.strength === 'required') ctx.error('code-invalid', message, path);
      else ctx.warning('code-invalid', message, path);
    }
  }
  for (const invariant of node.invariants) {
    if (invariant.holds(item, walk.root)) continue;
    const message = `${invariant.key}: ${invariant.human}`;
    if (invariant.severity === 'error') ctx.error('invariant', message, path);
    else ctx.warning('invariant', message, path);
  }
  if (typeof item !== 'object' || item === null) return;
  for (const child of node.children) checkChild(child, item as Record<string, unknown>, path, walk);
}

function checkChild(node: PlanNode, parent: Record<string, unknown>, parentPath: string, walk: Walk): void {
  const key = propertyName(node, parent);
  const raw = key === undefined ? undefined : parent[key];
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const path = `${parentPath}.${key ?? node.name}`;
  if (key !== undefined && node.choiceTypes && raw !== undefined && !node.choiceTypes.some((t) => key.endsWith(t))) {
    walk.ctx.error('business-rule', `${key}: only ${node.choiceTypes.join(', ')} allowed by ${walk.profile}`, path);
    return;
  }
  checkCount(node, values.length, path, walk, node.name);
  const paths = values.map((_, i) => (node.repeats ? `${path}[${i}]` : path));
  values.forEach((v, i) => checkElement(node, v, paths[i], walk));
  if (!node.slicing) return;
  const counts = new Map<string, number>();
  values.forEach((v, i) => {
    const slice = node.slicing?.slices.find((s) => s.matches(v));
    if (!slice) {
      if (node.slicing?.rules === 'closed') walk.ctx.error('business-rule', `Matches no slice of ${node.id}, whose slicing is closed (${walk.profile})`, paths[i]);
      return;
    }
    counts.set(slice.sliceName, (counts.get(slice.sliceName) ?? 0) + 1);
    checkElement(slice, v, paths[i], walk);
  });
  for (const slice of node.slicing.slices) checkCount(slice, counts.get(slice.sliceName) ?? 0, path, walk, `${node.name}:${slice.sliceName}`);
}

function checkCount(node: PlanNode, count: number, path: string, walk: Walk, label: string): void {
  if (node.min !== undefined && count < node.min) {
    walk.ctx.error('required', `${label}: at least ${node.min} required by ${walk.profile}, found ${count}`, path);
  }
  if (node.max !== undefined && count > node.max) {
    walk.ctx.error('business-rule', `${label}: at most ${node.max} allowed by ${walk.profile}, found ${count}`, path);
  }
}

/** The JSON property of an element: its name, or for a choice the present `value<Type>` among the allowed types. */
function propertyName(node: PlanNode, parent: Record<string, unknown>): string | undefined {
  if (!node.choiceTypes) return node.name;
  const stem = node.name.slice(0, -3);
  for (const type of node.choiceTypes) if (parent[stem + type] !== undefined) return stem + type;
  for (const k of Object.keys(parent)) if (k.startsWith(stem) && /^[A-Z]/.test(k.slice(stem.length))) return k;
  return undefined;
}
