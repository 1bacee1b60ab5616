import express from 'express';
import compression from 'compression';
import request from 'supertest';
import type { Bundle } from '@medplum/fhirtypes';
import { readJson } from '../kernel/json/read-json';
import { STREAMED_BUNDLE_ENTRIES, isLargeBundle, sendBundleStreamed } from './send-bundle';

function bundleOf(entries: number): Bundle {
  const text = JSON.stringify({
    resourceType: 'Bundle',
    type: 'batch-response',
    link: [{ relation: 'self', url: 'http://example.org/fhir' }],
    entry: Array.from({ length: entries }, (_, i) => ({
      resource: { resourceType: 'Observation', id: `o${i}`, status: 'final', code: { text: 'x'.repeat(2000) }, valueQuantity: { value: 12.8 } },
      response: { status: '200 OK' },
    })),
  }).replaceAll('"value":12.8', '"value":12.80');
  return readJson(text) as Bundle;
}

function appSending(bundle: Bundle) {
  const app = express();
  app.use(compression());
  app.get('/', (_req, res) => void sendBundleStreamed(res, 200, { 'X-Request-Id': 'r1' }, bundle));
  return app;
}

describe('sendBundleStreamed', () => {
  it('is used only for Bundles of more than STREAMED_BUNDLE_ENTRIES entries', () => {
    expect(isLargeBundle(bundleOf(STREAMED_BUNDLE_ENTRIES))).toBe(false);
    expect(isLargeBundle(bundleOf(STREAMED_BUNDLE_ENTRIES + 1))).toBe(true);
    expect(isLargeBundle({ resourceType: 'Patient' })).toBe(false);
  });

  it('writes, in chunks, the same Bundle with its exact decimals, headers and compression', async () => {
    const bundle = bundleOf(600);
    const res = await request(appSending(bundle)).get('/').set('Accept-Encoding', 'gzip').buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['x-request-id']).toBe('r1');
    expect(res.text.match(/"value":12\.80/g)).toHaveLength(600);
    expect(JSON.parse(res.text)).toEqual(JSON.parse(JSON.stringify(bundle)));
  });
});
