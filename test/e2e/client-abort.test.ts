import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type LucarneApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { createHttpApp } from '../../src/http/create-http-app';
import { createLucarneServer } from '../../src/http/http-server';
import { createLogger } from '../../src/kernel/logger';

/** A client that closes its connection half-way through a body is an abort, logged as such: no error, no stack. */
describe('a client that aborts its request', () => {
  let dataDir: string;
  let app: LucarneApp;
  let server: Server;
  let port: number;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lucarne-abort-'));
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination: sink });
    const config = { ...loadConfig({ env: { LUCARNE_AUTH: 'open' } }), dataDir, host: '127.0.0.1', port: 0, writerThread: false };
    app = await createApp(config, { logger, durability: 'normal' });
    server = createLucarneServer(createHttpApp(app.ctx, app.router), config, logger);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is logged at info as an abort, never as an unexpected error', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nContent-Length: 5000\r\n\r\n{"resourceType":"Pat');
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    const deadline = Date.now() + 3000;
    while (!lines.some((l) => l.msg === 'client aborted the request') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

    const abort = lines.find((l) => l.msg === 'client aborted the request');
    expect(abort).toMatchObject({ level: 'info', method: 'POST' });
    expect(abort).not.toHaveProperty('err');
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain('    at ');
  });
});
