import type { Bundle, DiagnosticReport, ImagingStudy, Observation, Resource } from '@medplum/fhirtypes';
import { Dataset } from '../../bench/generate/dataset';
import { PROCEDURES } from '../../bench/generate/imaging-catalog';
import { isValidNir, makeNir, nirKey } from '../../bench/generate/nir';
import { P, repositoryValidator } from '../profiles/profile-fixtures';
import codeSystem from '../../terminology/codesystem-ccam-imaging.json';

function resources(dataset: Dataset): Resource[] {
  return [...dataset.patientBundles()].flatMap((b) => (b.entry ?? []).map((e) => e.resource as Resource));
}

function ccamCodes(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (concepts?: { code: string; display?: string; concept?: unknown[] }[]) =>
    concepts?.forEach((c) => (out.set(c.code, c.display ?? ''), walk(c.concept as never)));
  walk(codeSystem.concept as never);
  return out;
}

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

  it('gives every patient its own valid NIR, even at 100 000 patients', () => {
    const nirs = new Set<string>();
    for (let serial = 0; serial < 100_000; serial++) {
      const { nir } = makeNir(serial % 2 ? 'male' : 'female', `19${50 + (serial % 50)}-0${1 + (serial % 9)}-01`, serial);
      nirs.add(nir.slice(0, 13));
      if (serial % 997 === 0) expect(isValidNir(nir)).toBe(true);
    }
    expect(nirs.size).toBe(100_000);
  });

  it('uses only CCAM acts of the shipped fragment, with their labels', () => {
    const codes = ccamCodes();
    for (const kind of PROCEDURES.filter((k) => k.ccam)) expect([kind.ccam, codes.get(kind.ccam as string)]).toEqual([kind.ccam, kind.label]);
  });

  it('dates visits up to --until, fills procedure code and performing facility, and records the right dose metrics', () => {
    const until = new Date('2026-06-30T00:00:00Z');
    const all = resources(new Dataset({ patients: 60, until }));
    const studies = all.filter((r): r is ImagingStudy => r.resourceType === 'ImagingStudy');
    const starts = studies.map((s) => Date.parse(s.started as string));
    expect(Math.max(...starts)).toBeLessThanOrEqual(until.getTime());
    expect(starts.filter((t) => t > until.getTime() - 365 * 86_400_000).length).toBeGreaterThan(0);
    for (const s of studies) {
      expect(s.procedureCode?.[0]?.text).toBeTruthy();
      expect(s.series?.every((x) => x.performer?.[0]?.actor?.reference?.startsWith('Organization/'))).toBe(true);
    }
    const metricsByModality = new Map<string, Set<string>>();
    const entries = [...new Dataset({ patients: 60, until }).patientBundles()].flatMap((b) => b.entry ?? []);
    for (const e of entries.filter((x) => (x.resource as Observation).code?.coding?.[0]?.code === '73569-6')) {
      const dose = e.resource as Observation;
      const study = entries.find((x) => x.fullUrl === dose.partOf?.[0]?.reference)?.resource as ImagingStudy;
      const modality = study.modality?.[0]?.code as string;
      const metrics = metricsByModality.get(modality) ?? new Set<string>();
      for (const c of dose.component ?? []) if (c.valueQuantity) metrics.add(`${c.code.coding?.[0]?.code} ${c.valueQuantity.code}`);
      metricsByModality.set(modality, metrics);
    }
    expect(Object.fromEntries([...metricsByModality].map(([m, set]) => [m, [...set].sort()]))).toEqual({
      CT: ['113813 mGy.cm', '113830 mGy'],
      DX: ['113722 mGy.cm2'],
      MG: ['111637 mGy', '113722 mGy.cm2'],
    });
  });

  it('produces records that conform to the Lucarne profiles (reports with a presentedForm)', () => {
    const validator = repositoryValidator();
    const profiles: Record<string, string> = {
      Patient: 'lucarne-patient',
      ServiceRequest: 'lucarne-imaging-order',
      ImagingStudy: 'lucarne-imaging-study',
      DiagnosticReport: 'lucarne-imaging-report',
    };
    const all = resources(new Dataset({ patients: 12 }));
    const reports = all.filter((r): r is DiagnosticReport => r.resourceType === 'DiagnosticReport');
    expect(reports.every((r) => r.presentedForm?.[0]?.contentType === 'text/html' && r.presentedForm[0].data)).toBe(true);
    const targets = all.filter((r) => profiles[r.resourceType] || (r.resourceType === 'Observation' && (r as Observation).code.coding?.[0]?.code === '73569-6'));
    const failures = targets.flatMap((r) => {
      const profile = `${P}${profiles[r.resourceType] ?? 'lucarne-dose-summary'}`;
      return validator.validate(r as never, { profile }).filter((i) => i.severity === 'error').map((i) => `${r.resourceType} ${i.expression?.[0]}: ${i.diagnostics ?? i.details?.text}`);
    });
    expect(failures).toEqual([]);
  });
});
