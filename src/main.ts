import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp, type LucarneApp } from './app';
import type { LucarneConfig } from './config/config';
import { ConfigError, loadConfig } from './config/load-config';
import { callersFrom } from './http/caller-of';
import { createHttpApp } from './http/create-http-app';
import { createLucarneServer } from './http/http-server';
import { createLogger } from './kernel/logger';

export interface RunningServer {
  readonly app: LucarneApp;
  readonly server: Server;
  /** The address really bound (PORT=0 picks a free port). */
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish (up to shutdownTimeoutMs), then closes the store. */
  stop(): Promise<void>;
}

/** The start-up warning when authorization is turned off (LUCARNE_AUTH=open); it names the address, so a wide bind shows. */
export function openApiWarning(host: string, port: number): string {
  const reach = isLoopback(host)
    ? `it listens on ${host}:${port}, reachable from this machine only`
    : `it listens on ${host}:${port}, so anyone who can reach this port can read and change every record`;
  return (
    'SECURITY: the FHIR API is OPEN (LUCARNE_AUTH=open) - no access token is asked for; ' +
    `${reach}. Expose it only on a trusted network.`
  );
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Starts Lucarne's HTTP server with a ready composition root. Used by `npm start` and `lucarne serve`. */
export async function startServer(config: LucarneConfig, logger: Logger): Promise<RunningServer> {
  const app = await createApp(config, { logger });
  const http = createHttpApp(app.ctx, app.router, { webRoutes: app.webRoutes, callerOf: callersFrom(app.callerOf) });
  const server = createLucarneServer(http, config, logger);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets become idle once their in-flight request is answered: close them as they do.
      const sweeper = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      const deadline = setTimeout(() => {
        logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timeout: closing remaining connections');
        server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      await closed;
      clearInterval(sweeper);
      clearTimeout(deadline);
      await app.close();
    })());

  return { app, server, port, stop };
}

function configFileArgument(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (i < 0) return undefined;
  return argv[i].includes('=') ? argv[i].slice('--config='.length) : argv[i + 1];
}

/** Reads the configuration, starts the server, logs readiness and handles SIGTERM/SIGINT. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  let config: LucarneConfig;
  try {
    config = loadConfig({ configFile: configFileArgument(argv) });
  } catch (e) {
    exitOnConfigError(e);
    throw e;
  }
  const logger = createLogger({ level: config.logLevel });

  let running: RunningServer;
  try {
    running = await startServer(config, logger);
  } catch (e) {
    exitOnConfigError(e);
    logger.fatal({ err: e }, 'start-up failed');
    process.exit(1);
  }
  if (running.app.ctx.access.open) {
    logger.warn({ security: 'open-api', host: config.host, port: running.port }, openApiWarning(config.host, running.port));
  }
  logger.info(
    {
      url: `http://${config.host}:${running.port}`,
      baseUrl: config.baseUrl,
      dataDir: config.dataDir,
      backend: running.app.ctx.store.backend,
      startupMs: Math.round(performance.now()),
    },
    'ready',
  );

  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    running.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/** A bad setting stops the process with exit code 2 and a message naming it, without a stack trace. */
function exitOnConfigError(e: unknown): void {
  if (e instanceof ConfigError) {
    process.stderr.write(`lucarne: ${e.message}\n`);
    process.exit(2);
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`lucarne: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
