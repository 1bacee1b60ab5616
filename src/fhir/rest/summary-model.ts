import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import type { Definitions } from '../conformance/definitions';

/**
 * What the subsetting walker needs to know about one JSON property of an element: computed once per
 * (type, path) from the StructureDefinition snapshots, so walking a resource never consults FHIRPath or
 * the raw snapshot again.
 */
export interface ChildInfo {
  /** The element name without the choice suffix: `value` for `valueQuantity`. */
  readonly baseName: string;
  readonly isSummary: boolean;
  readonly mandatory: boolean;
  /**
   * primitive: kept as is. complex: a data type, walked with that type's node. inline: a backbone element (or a
   * contentReference), walked with `node` of the same definition. resource: an inline resource.
   */
  readonly kind: 'primitive' | 'complex' | 'inline' | 'resource';
  /** complex: the data type name. */
  readonly typeName?: string;
  /** inline: the element path whose children apply (the element itself, or the contentReference target). */
  readonly path?: string;
}

/** The properties allowed under one element, by JSON name (choice elements expanded: valueQuantity, valueString...). */
export type ElementNode = ReadonlyMap<string, ChildInfo>;

/** Per-definition caches: element trees by type, and whether a data type can lose anything under _summary=true. */
export class SummaryModel {
  private readonly trees = new Map<string, Map<string, Map<string, ChildInfo>>>();
  private readonly dropping = new Map<string, boolean>();

  constructor(private readonly definitions: Definitions) {}

  /** The node of `path` in the definition of `typeName` (the root when path is the type name). */
  node(typeName: string, path: string = typeName): ElementNode | undefined {
    return this.tree(typeName)?.get(path);
  }

  /**
   * Whether a data type (or something nested in it) has elements that `_summary=true` removes; when not, values
   * of that type are shared with the stored resource instead of copied.
   */
  dropsUnderSummary(typeName: string): boolean {
    let drops = this.dropping.get(typeName);
    if (drops === undefined) {
      drops = [...this.reachableDataTypes(typeName)].some((t) => this.dropsDirectly(t));
      this.dropping.set(typeName, drops);
    }
    return drops;
  }

  /**
   * Inside a data type, an element stays in the summary unless the type's own definition flags it
   * isSummary=false; `id` and `extension` inherited from Element, and the content of an Extension, are kept
   * all the same (ElementDefinition.isSummary: "Other than Attachment.data, all data type properties are
   * included in the summary form"). In R4 this drops Attachment.data and SampledData.data (and Signature.data).
   */
  keepInDataType(typeName: string, child: ChildInfo): boolean {
    return child.isSummary || child.mandatory || typeName === 'Extension' || child.baseName === 'id' || child.baseName === 'extension';
  }

  private tree(typeName: string): Map<string, Map<string, ChildInfo>> | undefined {
    let tree = this.trees.get(typeName);
    if (tree) return tree;
    const sd = this.definitions.structureDefinition(typeName);
    if (!sd?.snapshot?.element) return undefined;
    tree = buildTree(sd, (t) => this.isResource(t));
    this.trees.set(typeName, tree);
    return tree;
  }

  /** A resource type (or the abstract Resource / DomainResource), as opposed to a data type. */
  isResource(type: string): boolean {
    return type === 'Resource' || type === 'DomainResource' || this.definitions.isResourceType(type);
  }

  private dropsDirectly(typeName: string): boolean {
    for (const node of this.tree(typeName)?.values() ?? []) for (const c of node.values()) if (!this.keepInDataType(typeName, c)) return true;
    return false;
  }

  private reachableDataTypes(typeName: string): Set<string> {
    const seen = new Set<string>([typeName]);
    const queue = [typeName];
    while (queue.length > 0) {
      for (const node of this.tree(queue.pop()!)?.values() ?? []) {
        for (const c of node.values()) {
          if (c.kind === 'complex' && !seen.has(c.typeName!)) {
            seen.add(c.typeName!);
            queue.push(c.typeName!);
          }
        }
      }
    }
    return seen;
  }
}

const PRIMITIVE = /^[a-z]|^http:\/\/hl7\.org\/fhirpath\//;

function buildTree(sd: StructureDefinition, isResourceType: (t: string) => boolean): Map<string, Map<string, ChildInfo>> {
  const elements = sd.snapshot!.element!;
  const withChildren = new Set<string>();
  for (const el of elements) {
    const path = el.path ?? '';
    const dot = path.lastIndexOf('.');
    if (dot > 0) withChildren.add(path.slice(0, dot));
  }
  const tree = new Map<string, Map<string, ChildInfo>>();
  for (const el of elements) {
    const path = el.path ?? '';
    const dot = path.lastIndexOf('.');
    if (dot < 0 || el.sliceName) continue;
    const parent = path.slice(0, dot);
    let node = tree.get(parent);
    if (!node) tree.set(parent, (node = new Map()));
    for (const [jsonName, info] of childInfos(el, path.slice(dot + 1), path, withChildren, isResourceType)) {
      if (!node.has(jsonName)) node.set(jsonName, info);
    }
  }
  return tree;
}

function childInfos(
  el: ElementDefinition,
  name: string,
  path: string,
  withChildren: Set<string>,
  isResourceType: (t: string) => boolean,
): [string, ChildInfo][] {
  const isChoice = name.endsWith('[x]');
  const baseName = isChoice ? name.slice(0, -3) : name;
  const common = { baseName, isSummary: el.isSummary === true, mandatory: (el.min ?? 0) > 0 };
  if (el.contentReference) {
    return [[baseName, { ...common, kind: 'inline', path: el.contentReference.replace(/^[^#]*#/, '') }]];
  }
  const codes = (el.type ?? []).map((t) => t.code ?? '');
  const kindOf = (code: string): ChildInfo => {
    if (withChildren.has(path)) return { ...common, kind: 'inline', path };
    if (isResourceType(code)) return { ...common, kind: 'resource' };
    if (PRIMITIVE.test(code) || code === '') return { ...common, kind: 'primitive' };
    return { ...common, kind: 'complex', typeName: code };
  };
  if (!isChoice) return [[baseName, kindOf(codes[0] ?? '')]];
  return codes.map((code) => [baseName + code.charAt(0).toUpperCase() + code.slice(1), kindOf(code)]);
}
