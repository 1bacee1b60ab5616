import { readFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { LucarneConfig } from '../config/config';
import { guardConnections, wasRefused } from './connection-guard';

/** File descriptors kept for the store, logs and outgoing calls when the connection cap is derived from the limit. */
const RESERVED_DESCRIPTORS = 256;

/**
 * The Node HTTP server in front of the Express app, with the limits that keep one client from starving the
 * others: short header and request timeouts (checked every second, so a slow or stalled client gets 408
 * within a second of its deadline), idle keep-alive sockets closed after keepAliveTimeoutMs, and connection
 * caps (global and per client address) below the process's file-descriptor limit.
 */
export function createLucarneServer(handler: RequestListener, config: LucarneConfig, logger: Logger): Server {
  const server = createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
      if (!wasRefused(req)) handler(req, res);
    },
  );
  const maxConnections = connectionCap(config.maxConnections, openFileLimit(), logger);
  guardConnections(server, { maxConnections, maxConnectionsPerClient: config.maxConnectionsPerClient }, logger);
  return server;
}

/** The configured cap, lowered (with a warning) when the file-descriptor limit could not hold it. */
export function connectionCap(configured: number, fileLimit: number | undefined, logger: Logger): number {
  if (fileLimit === undefined || configured + RESERVED_DESCRIPTORS <= fileLimit) return configured;
  const cap = Math.max(1, fileLimit - RESERVED_DESCRIPTORS);
  logger.warn(
    { maxConnections: configured, openFileLimit: fileLimit, effective: cap },
    'maxConnections lowered to fit the open-file limit (raise it with ulimit -n to allow more)',
  );
  return cap;
}

/** The soft limit on open files of this process (Linux /proc), or undefined when it cannot be read. */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft && /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}
