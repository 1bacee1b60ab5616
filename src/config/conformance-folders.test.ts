import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConformanceFolders } from './conformance-folders';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('readConformanceFolders', () => {
  it('reads resources and Bundles recursively, in name order, and skips what is not a resource', () => {
    const root = mkdtempSync(join(tmpdir(), 'lucarne-conf-'));
    made.push(root);
    mkdirSync(join(root, 'profiles', 'fr-core'), { recursive: true });
    mkdirSync(join(root, 'terminology'));
    writeFileSync(join(root, 'profiles', 'README.md'), '# not json');
    writeFileSync(join(root, 'profiles', 'b.json'), JSON.stringify({ resourceType: 'SearchParameter', id: 'b' }));
    writeFileSync(join(root, 'profiles', 'fr-core', 'a.json'), JSON.stringify({ resourceType: 'StructureDefinition', id: 'a' }));
    writeFileSync(join(root, 'profiles', 'package.json'), JSON.stringify({ name: 'x' }));
    writeFileSync(join(root, 'profiles', 'broken.json'), '{');
    writeFileSync(
      join(root, 'terminology', 'vs.json'),
      JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'ValueSet', id: 'v' } }, {}] }),
    );

    const { resources, skipped } = readConformanceFolders(['profiles', 'ig', 'terminology'], root);
    expect(resources.map((r) => `${r.resourceType}/${r.id}`)).toEqual([
      'SearchParameter/b',
      'StructureDefinition/a',
      'ValueSet/v',
    ]);
    expect(skipped.map((s) => s.reason)).toEqual([expect.stringMatching(/^not valid JSON/), 'no resourceType']);
  });
});
