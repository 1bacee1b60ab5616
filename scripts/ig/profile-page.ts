import type { ElementDefinition, Resource, StructureDefinition } from '@medplum/fhirtypes';

/** The Markdown page of one profile, from its differential (what the profile changes), plus its examples. */
export function profilePage(profile: StructureDefinition, examples: readonly Resource[]): string {
  const lines: string[] = [
    `# ${profile.title ?? profile.name ?? profile.id}`,
    '',
    `- Canonical URL: \`${profile.url}\``,
    `- Resource type: ${profile.type}, derived from \`${profile.baseDefinition}\`${profile.version ? `, version ${profile.version}` : ''}`,
    `- Status: ${profile.status}`,
    '',
  ];
  if (profile.description) lines.push(profile.description.trim(), '');

  const elements = profile.differential?.element ?? [];
  lines.push('## Differential', '');
  if (elements.length === 0) lines.push('The profile changes no element.', '');
  else {
    lines.push('| Element | Card. | Type | Binding | Fixed / pattern | Slicing | Notes |', '|---|---|---|---|---|---|---|');
    for (const e of elements) {
      lines.push(`| ${cells([elementName(e), cardinality(e), types(e), binding(e), fixedOrPattern(e), slicing(e), notes(e)]).join(' | ')} |`);
    }
    lines.push('');
  }

  const invariants = elements.flatMap((e) => (e.constraint ?? []).map((c) => ({ path: e.id ?? e.path, ...c })));
  lines.push('## Invariants', '');
  if (invariants.length === 0) lines.push('None beyond the base resource.', '');
  else {
    lines.push('| Key | Element | Severity | Rule | FHIRPath |', '|---|---|---|---|---|');
    for (const c of invariants) lines.push(`| ${cells([c.key ?? '', c.path ?? '', c.severity ?? '', c.human ?? '', code(c.expression)]).join(' | ')} |`);
    lines.push('');
  }

  lines.push('## Examples', '');
  if (examples.length === 0) lines.push('No example yet.', '');
  else for (const ex of examples) lines.push(`- [${ex.resourceType}/${ex.id}](../examples/${ex.resourceType}-${ex.id}.json)`);
  if (examples.length > 0) lines.push('');
  return `${lines.join('\n').trimEnd()}\n`;
}

function elementName(e: ElementDefinition): string {
  const id = e.id ?? e.path ?? '';
  return `\`${id}\``;
}

function cardinality(e: ElementDefinition): string {
  if (e.min === undefined && e.max === undefined) return '';
  return `${e.min ?? ''}..${e.max ?? ''}`;
}

function types(e: ElementDefinition): string {
  return (e.type ?? [])
    .map((t) => {
      const targets = (t.targetProfile ?? []).map(shortUrl);
      const profiles = (t.profile ?? []).map(shortUrl);
      const extra = [...profiles, ...targets];
      return extra.length > 0 ? `${t.code}(${extra.join(' \\| ')})` : String(t.code);
    })
    .join(', ');
}

function binding(e: ElementDefinition): string {
  if (!e.binding) return '';
  return [e.binding.strength, e.binding.valueSet ? code(e.binding.valueSet) : ''].filter(Boolean).join(' ');
}

/** fixed[x] and pattern[x] under whatever type suffix they carry. */
function fixedOrPattern(e: ElementDefinition): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(e)) {
    if (/^(fixed|pattern)[A-Z]/.test(key)) parts.push(`${key.startsWith('fixed') ? 'fixed' : 'pattern'} ${code(JSON.stringify(value))}`);
  }
  return parts.join('; ');
}

function slicing(e: ElementDefinition): string {
  if (!e.slicing) return e.sliceName ? `slice \`${e.sliceName}\`` : '';
  const by = (e.slicing.discriminator ?? []).map((d) => `${d.type}:${d.path}`).join(', ');
  return `sliced by ${by || '(no discriminator)'}, ${e.slicing.rules ?? 'open'}${e.slicing.ordered ? ', ordered' : ''}`;
}

function notes(e: ElementDefinition): string {
  return [e.mustSupport ? 'must support' : '', e.short ?? ''].filter(Boolean).join('; ');
}

function shortUrl(url: string): string {
  return url.replace('http://hl7.org/fhir/StructureDefinition/', '').replace('https://lucarne.example/fhir/StructureDefinition/', '');
}

function code(text: string | undefined): string {
  return text ? `\`${text}\`` : '';
}

/** Table cells: no line breaks, pipes escaped (inside code spans too, as GitHub Markdown requires). */
function cells(values: string[]): string[] {
  return values.map((v) => v.replace(/\r?\n/g, ' ').replace(/(?<!\\)\|/g, '\\|'));
}
