import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

export interface ConnectionLimits {
  /** Open connections the server keeps at once; the excess is answered 503 and closed at once. */
  maxConnections: number;
  /** Open connections one client address may hold (0: no per-address cap). */
  maxConnectionsPerClient: number;
}

const REFUSED = Symbol('lucarne.refusedConnection');

/**
 * Counts open sockets, globally and per remote address, and refuses a connection over either cap with an
 * immediate `503 Service Unavailable` (Retry-After, an OperationOutcome, Connection: close) instead of
 * letting it wait or letting idle sockets exhaust the process's file descriptors. Listens first on
 * 'connection', before the HTTP parser; a request that still reaches the handler on a refused socket is
 * dropped by `wasRefused`.
 */
export function guardConnections(server: Server, limits: ConnectionLimits, logger: Logger): { open(): number } {
  let open = 0;
  const perClient = new Map<string, number>();
  let lastWarning = 0;

  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const fromClient = perClient.get(address) ?? 0;
    const overGlobal = open >= limits.maxConnections;
    const overClient = limits.maxConnectionsPerClient > 0 && fromClient >= limits.maxConnectionsPerClient;
    if (overGlobal || overClient) {
      refuse(socket, overGlobal ? 'the server is at its connection limit' : 'too many connections from this client address');
      const now = Date.now();
      if (now - lastWarning > 10_000) {
        lastWarning = now;
        logger.warn({ open, limit: overGlobal ? limits.maxConnections : limits.maxConnectionsPerClient, scope: overGlobal ? 'server' : 'client' }, 'connection refused: limit reached');
      }
      return;
    }
    open++;
    perClient.set(address, fromClient + 1);
    socket.once('close', () => {
      open--;
      const left = (perClient.get(address) ?? 1) - 1;
      if (left > 0) perClient.set(address, left);
      else perClient.delete(address);
    });
  });
  return { open: () => open };
}

/** True when the request arrived on a socket the guard refused (its 503 is already written). */
export function wasRefused(req: IncomingMessage): boolean {
  return (req.socket as Socket & { [REFUSED]?: boolean })[REFUSED] === true;
}

function refuse(socket: Socket, reason: string): void {
  (socket as Socket & { [REFUSED]?: boolean })[REFUSED] = true;
  const body = JSON.stringify({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'transient', diagnostics: `Service unavailable: ${reason}; retry later` }],
  });
  socket.on('error', () => undefined);
  socket.end(
    'HTTP/1.1 503 Service Unavailable\r\n' +
      'Content-Type: application/fhir+json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Retry-After: 1\r\nConnection: close\r\n\r\n' +
      body,
  );
  // Whatever the client still sends is not read: the socket goes once the answer is flushed.
  socket.setTimeout(1000, () => socket.destroy());
  socket.once('finish', () => socket.destroy());
}
