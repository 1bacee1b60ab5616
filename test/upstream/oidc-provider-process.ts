import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Settings of oidc-provider-fixture.mjs (see there). */
export interface ProviderFixtureSettings {
  readonly clients: readonly {
    readonly client_id: string;
    readonly client_secret: string;
    readonly redirect_uris: readonly string[];
    readonly userinfo_signed_response_alg?: string;
  }[];
  readonly accounts: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly claimsInIdToken?: boolean;
  readonly issuer?: string;
}

export interface RunningProvider {
  /** Where it listens: http://127.0.0.1:<port>. */
  readonly url: string;
  /** The issuer it names itself (its url unless the settings say otherwise). */
  readonly issuer: string;
  /** What it wrote on stderr so far (oidc-provider's warnings and errors), for failure messages. */
  stderr(): string;
  /** Stops the process and waits for its exit. */
  stop(): Promise<void>;
}

const FIXTURE = join(__dirname, 'oidc-provider-fixture.mjs');
const START_TIMEOUT_MS = 15_000;

/** Starts a real oidc-provider in a child process (it is ESM only) and waits until it listens. */
export async function startProvider(settings: ProviderFixtureSettings): Promise<RunningProvider> {
  const child = spawn(process.execPath, [FIXTURE], {
    env: { ...process.env, OIDC_FIXTURE: JSON.stringify(settings) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const ready = await firstLine(child, exited);
    const { url, issuer } = JSON.parse(ready) as { url: string; issuer: string };
    return { url, issuer, stderr: () => stderr, stop: () => stop(child, exited) };
  } catch (e) {
    await stop(child, exited);
    throw new Error(`oidc-provider fixture did not start: ${(e as Error).message}\n${stderr}`);
  }
}

function firstLine(child: ChildProcess, exited: Promise<void>): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), START_TIMEOUT_MS);
    lines.once('line', (line) => {
      clearTimeout(timer);
      lines.close();
      resolve(line);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited with code ${child.exitCode}`));
    });
  });
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    // Closing stdin asks the fixture to exit; SIGKILL if it has not after a while.
    child.stdin!.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  child.stdout!.destroy();
  child.stderr!.destroy();
}
