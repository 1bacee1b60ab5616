import { request as httpRequest, type ClientRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from './test-server';

const BUDGET = 64 * 1024;
let server: TestServer;
let http: Server;
let port: number;

beforeAll(async () => {
  server = startTestServer({ config: { maxBodyBytes: 1024 * 1024, maxInFlightBodyBytes: BUDGET } });
  http = server.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => http.once('listening', resolve));
  port = (http.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => http.close(resolve));
  await server.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A POST whose body is sent later (or never), so that it stays in flight. */
function open(bodyLength: number): { req: ClientRequest; answer: Promise<Answer> } {
  const req = httpRequest({
    host: '127.0.0.1', port, method: 'POST', path: '/fhir/Patient',
    headers: { 'content-type': 'application/fhir+json', 'content-length': String(bodyLength) },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  return { req, answer };
}

function patientText(length: number): string {
  const head = '{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\\"http://www.w3.org/1999/xhtml\\">';
  const tail = '</div>"}}';
  return head + 'x'.repeat(length - head.length - tail.length) + tail;
}

it('answers 503 with Retry-After to a body that would pass the in-flight budget, and admits it once the others are done', async () => {
  const big = patientText(48 * 1024);
  const first = open(big.length);
  first.req.write(big.slice(0, 1000));
  await new Promise((r) => setTimeout(r, 100));

  const second = open(big.length);
  second.req.end(big);
  const refused = await second.answer;
  expect(refused.status).toBe(503);
  expect(refused.headers['retry-after']).toBe('2');
  expect(JSON.parse(refused.body).issue[0].code).toBe('transient');

  const small = patientText(2 * 1024);
  const fits = open(small.length);
  fits.req.end(small);
  expect((await fits.answer).status).toBe(201);

  first.req.end(big.slice(1000));
  expect((await first.answer).status).toBe(201);
  const retried = open(big.length);
  retried.req.end(big);
  expect((await retried.answer).status).toBe(201);
});

it('admits a lone body bigger than the budget (within maxBodyBytes)', async () => {
  const huge = patientText(200 * 1024);
  const alone = open(huge.length);
  alone.req.end(huge);
  expect((await alone.answer).status).toBe(201);
});
