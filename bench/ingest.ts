import type { Bundle, BundleEntry } from '@medplum/fhirtypes';

export interface IngestResult {
  resources: number;
  bundles: number;
  failures: string[];
  seconds: number;
  /** Locations ("Type/id") of the created resources, for the read benchmark. */
  locations: string[];
}

/** POSTs pre-serialised transaction Bundles with `clients` concurrent keep-alive clients. */
export async function ingest(baseUrl: string, bodies: { json: string; entries: number }[], clients: number, headers: Record<string, string> = {}): Promise<IngestResult> {
  const result: IngestResult = { resources: 0, bundles: 0, failures: [], seconds: 0, locations: [] };
  let next = 0;
  const t0 = performance.now();
  const client = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const response = await fetch(baseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', prefer: 'return=minimal', ...headers },
        body: body.json,
      });
      const text = await response.text();
      if (response.status !== 200) {
        result.failures.push(`HTTP ${response.status}: ${text.slice(0, 400)}`);
        continue;
      }
      result.bundles++;
      result.resources += body.entries;
      const bundle = JSON.parse(text) as Bundle;
      for (const entry of bundle.entry ?? ([] as BundleEntry[])) {
        const location = entry.response?.location?.replace(/\/_history\/.*$/, '').replace(/^.*\/fhir\//, '');
        if (location) result.locations.push(location);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}
