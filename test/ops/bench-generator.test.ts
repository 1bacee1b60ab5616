import type { Bundle } from '@medplum/fhirtypes';
import { Dataset } from '../../bench/generate/dataset';
import { isValidNir, nirKey } from '../../bench/generate/nir';

function references(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) references(v, found);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') found.push(v);
      else references(v, found);
    }
  }
  return found;
}

describe('benchmark data generator', () => {
  it('computes NIR keys as the standard says (public test vectors, Corsica)', () => {
    expect(nirKey('2550814168025')).toBe('38');
    expect(nirKey('2480392630010')).toBe('64');
    expect(isValidNir('255081416802538')).toBe(true);
    expect(isValidNir('255081416802539')).toBe(false);
    const corsican = `1850${'2'}2A004123`; // born in Corse-du-Sud: 2A counts as 19
    expect(nirKey(corsican)).toBe(String(97 - Number(1850219004123n % 97n)).padStart(2, '0'));
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const first = JSON.stringify([...new Dataset({ patients: 12, seed: 7 }).patientBundles()]);
    const again = JSON.stringify([...new Dataset({ patients: 12, seed: 7 }).patientBundles()]);
    const other = JSON.stringify([...new Dataset({ patients: 12, seed: 8 }).patientBundles()]);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });

  it('produces transaction bundles whose references all resolve to the bundle or the reference data', () => {
    const dataset = new Dataset({ patients: 25, patientsPerBundle: 10 });
    const known = new Set(
      (dataset.referenceBundle().entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`),
    );
    const bundles: Bundle[] = [...dataset.patientBundles()];
    expect(bundles).toHaveLength(3);
    const types = new Set<string>();
    for (const bundle of bundles) {
      expect(bundle.type).toBe('transaction');
      const fullUrls = new Set(bundle.entry?.map((e) => e.fullUrl));
      expect(fullUrls.size).toBe(bundle.entry?.length);
      for (const entry of bundle.entry ?? []) {
        types.add(entry.resource?.resourceType as string);
        for (const ref of references(entry.resource)) {
          expect(ref.startsWith('urn:uuid:') ? fullUrls.has(ref) : known.has(ref)).toBe(true);
        }
      }
      const nirs = bundle.entry
        ?.filter((e) => e.resource?.resourceType === 'Patient')
        .map((e) => (e.resource as { identifier: { system: string; value: string }[] }).identifier[0]);
      for (const nir of nirs ?? []) {
        expect(nir.system).toBe('urn:oid:1.2.250.1.213.1.4.8');
        expect(isValidNir(nir.value)).toBe(true);
      }
    }
    expect([...types].sort()).toEqual(['DiagnosticReport', 'Encounter', 'ImagingStudy', 'Observation', 'Patient', 'ServiceRequest']);
  });
});
