import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { yieldToEventLoop } from './yield-to-event-loop';

/** A client process that opens `count` connections at once, each sending one GET (after a `go` on stdin). */
const CLIENT = `
const http = require('http');
const [port, count] = process.argv.slice(1).map(Number);
process.stdin.once('data', () => {
  let done = 0;
  for (let i = 0; i < count; i++) {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => { res.resume(); res.on('end', () => { if (++done === count) process.exit(0); }); });
  }
});
process.stdout.write('ready');
`;

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** Runs `steps` synchronous 20 ms steps with `pause` between them; returns the step at which each request was answered. */
async function answeredAtStep(pause: (startedAt: number) => Promise<void>, clients = 8, steps = 12): Promise<number[]> {
  let step = 0;
  const answered: number[] = [];
  const server: Server = createServer((_req, res) => {
    answered.push(step);
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const child = spawn(process.execPath, ['-e', CLIENT, String((server.address() as AddressInfo).port), String(clients)], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin.write('go');
  busy(50); // the client connects while the server works
  for (step = 1; step <= steps; step++) {
    const started = performance.now();
    busy(20);
    await pause(started);
  }
  await exited;
  await new Promise((resolve) => server.close(resolve));
  return answered;
}

describe('yieldToEventLoop', () => {
  it('gives a long step enough turns for every client that connected meanwhile', async () => {
    const answered = await answeredAtStep((started) => yieldToEventLoop(started));
    expect(answered).toHaveLength(8);
    // With one turn per step (Node 20's libuv accepts one connection per turn) the last client waits 8 steps.
    expect(Math.max(...answered)).toBeLessThanOrEqual(3);
  });
});
