import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { LucarneConfig } from '../config/config';
import { loadConfig } from '../config/load-config';
import { silentLogger } from '../kernel/logger';
import { connectionCap, createLucarneServer, openFileLimit } from './http-server';

function config(overrides: Partial<LucarneConfig>): LucarneConfig {
  return { ...loadConfig({ env: {} }), ...overrides };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A raw TCP client: what it received and when it was closed (ms after it connected). */
function rawClient(port: number, send?: string): { socket: Socket; received: () => string; closed: Promise<number> } {
  const socket = connect(port, '127.0.0.1');
  const start = Date.now();
  let text = '';
  socket.on('data', (d) => (text += String(d)));
  socket.on('error', () => undefined);
  if (send !== undefined) socket.once('connect', () => socket.write(send));
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - start)));
  return { socket, received: () => text, closed };
}

const connected = (s: Socket) => new Promise<void>((resolve) => (s.readyState === 'open' ? resolve() : s.once('connect', () => resolve())));

describe('createLucarneServer', () => {
  let server: Server | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  /** Answers once the whole body is read, as the FHIR handler does. */
  const ok = (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  };

  it('answers a connection over the global cap with an immediate 503 and Retry-After, and serves again once one closes', async () => {
    server = createLucarneServer(ok, config({ maxConnections: 3 }), silentLogger());
    const port = await listen(server);
    const idle = [0, 1, 2].map(() => rawClient(port));
    sockets.push(...idle.map((c) => c.socket));
    await Promise.all(idle.map((c) => connected(c.socket)));
    await new Promise((r) => setTimeout(r, 50));

    const excess = rawClient(port, 'GET /x HTTP/1.1\r\nHost: x\r\n\r\n');
    sockets.push(excess.socket);
    const closedAfter = await excess.closed;
    expect(closedAfter).toBeLessThan(1000);
    expect(excess.received()).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(excess.received()).toContain('Retry-After: 1');
    expect(excess.received()).toContain('"resourceType":"OperationOutcome"');
    expect(excess.received()).not.toContain('ok');

    idle[0].socket.destroy();
    await idle[0].closed;
    await new Promise((r) => setTimeout(r, 50));
    const next = rawClient(port, 'GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    sockets.push(next.socket);
    await next.closed;
    expect(next.received()).toMatch(/^HTTP\/1\.1 200 OK/);
  });

  it('caps the connections of one client address when configured', async () => {
    server = createLucarneServer(ok, config({ maxConnections: 100, maxConnectionsPerClient: 2 }), silentLogger());
    const port = await listen(server);
    const held = [rawClient(port), rawClient(port)];
    sockets.push(...held.map((c) => c.socket));
    await Promise.all(held.map((c) => connected(c.socket)));
    await new Promise((r) => setTimeout(r, 50));
    const third = rawClient(port, 'GET /x HTTP/1.1\r\nHost: x\r\n\r\n');
    sockets.push(third.socket);
    await third.closed;
    expect(third.received()).toMatch(/^HTTP\/1\.1 503 /);
  });

  it('answers 408 and closes a client that sends nothing, incomplete headers or an incomplete body, within a second of the timeout', async () => {
    server = createLucarneServer(ok, config({ headersTimeoutMs: 1000, requestTimeoutMs: 2000 }), silentLogger());
    const port = await listen(server);
    const silent = rawClient(port);
    const partialHeaders = rawClient(port, 'GET /x HTTP/1.1\r\nHost: x\r\n');
    const partialBody = rawClient(port, 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab');
    sockets.push(silent.socket, partialHeaders.socket, partialBody.socket);
    const [a, b, c] = await Promise.all([silent.closed, partialHeaders.closed, partialBody.closed]);
    expect(a).toBeLessThan(2600);
    expect(b).toBeLessThan(2600);
    expect(c).toBeGreaterThanOrEqual(1900);
    expect(c).toBeLessThan(3600);
    for (const client of [silent, partialHeaders, partialBody]) expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe('connectionCap', () => {
  it('keeps the configured cap when the open-file limit holds it, and lowers it otherwise', () => {
    expect(connectionCap(8192, 1_048_576, silentLogger())).toBe(8192);
    expect(connectionCap(8192, undefined, silentLogger())).toBe(8192);
    expect(connectionCap(8192, 1024, silentLogger())).toBe(768);
  });

  it('reads the soft open-file limit of this process on Linux', () => {
    if (process.platform !== 'linux') return;
    expect(openFileLimit()).toBeGreaterThan(0);
  });
});
