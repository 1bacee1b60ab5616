import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, defaultInFlightBodyBytes, loadConfig } from './load-config';
import { settingsSchema } from './config-schema';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function configFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-config-'));
  made.push(dir);
  const path = join(dir, 'config.json');
  writeFileSync(path, content);
  return path;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({ env: {} });
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dataDir: './data',
      baseUrl: 'http://localhost:8080/fhir',
      maxBodyBytes: 16 * 1024 * 1024,
      maxResourceElements: 200000,
      maxInFlightBodyBytes: defaultInFlightBodyBytes(),
      corsOrigins: ['*'],
      logLevel: 'info',
      writerThread: true,
      allowMultipleDelete: false,
      defaultPageSize: 20,
      maxPageSize: 1000,
      maxBundleEntries: 10000,
      maxBundleResponseBytes: 32 * 1024 * 1024,
      shutdownTimeoutMs: 10000,
      maxConnections: 8192,
      maxConnectionsPerClient: 0,
      headersTimeoutMs: 10000,
      requestTimeoutMs: 60000,
      keepAliveTimeoutMs: 65000,
      searchHandling: 'lenient',
      requiredProfiles: [],
      auth: 'smart',
      accessTokenSeconds: 900,
      signingKeyRotationHours: 720,
      refreshTokenDays: 30,
      sessionMinutes: 480,
      signInMaxFailures: 5,
      signInLockoutMinutes: 15,
      oidcRppsClaim: 'SubjectNameID',
      breakTheGlassOverridesConsent: false,
    });
    expect(config.mongodbUrl).toBeUndefined();
    expect(config.oidcIssuer).toBeUndefined();
  });

  it('refuses an access-token lifetime over one hour and an unknown auth mode', () => {
    expect(problemsOf(() => loadConfig({ env: { LUCARNE_ACCESS_TOKEN_SECONDS: '7200' } }))[0]).toMatch(/^LUCARNE_ACCESS_TOKEN_SECONDS: must be <= 3600/);
    expect(problemsOf(() => loadConfig({ env: { LUCARNE_AUTH: 'none' } }))[0]).toBe('LUCARNE_AUTH: must be one of smart, open (got "none")');
  });

  it('converts environment strings to the schema types', () => {
    const config = loadConfig({
      env: {
        PORT: '9090',
        LUCARNE_HOST: '0.0.0.0',
        LUCARNE_DATA_DIR: '/var/lib/lucarne',
        MONGODB_URL: 'mongodb://127.0.0.1:27017/lucarne',
        LUCARNE_MAX_BODY_BYTES: '2048',
        LUCARNE_CORS_ORIGINS: 'https://a.example, https://b.example',
        LOG_LEVEL: 'debug',
        LUCARNE_ALLOW_MULTIPLE_DELETE: 'true',
        LUCARNE_WRITER_THREAD: 'false',
        LUCARNE_DEFAULT_PAGE_SIZE: '10',
        LUCARNE_MAX_PAGE_SIZE: '50',
        LUCARNE_SHUTDOWN_TIMEOUT_MS: '500',
      },
    });
    expect(config).toMatchObject({
      port: 9090,
      host: '0.0.0.0',
      dataDir: '/var/lib/lucarne',
      mongodbUrl: 'mongodb://127.0.0.1:27017/lucarne',
      maxBodyBytes: 2048,
      corsOrigins: ['https://a.example', 'https://b.example'],
      logLevel: 'debug',
      writerThread: false,
      allowMultipleDelete: true,
      defaultPageSize: 10,
      maxPageSize: 50,
      shutdownTimeoutMs: 500,
    });
  });

  it('derives the base URL from the port unless LUCARNE_BASE_URL is set, without a trailing slash', () => {
    expect(loadConfig({ env: { PORT: '1234' } }).baseUrl).toBe('http://localhost:1234/fhir');
    expect(loadConfig({ env: { LUCARNE_BASE_URL: 'https://pacs.example.fr/fhir/' } }).baseUrl).toBe(
      'https://pacs.example.fr/fhir',
    );
  });

  it('accepts 0/1 and yes/no for booleans and rejects anything else naming the variable', () => {
    expect(loadConfig({ env: { LUCARNE_ALLOW_MULTIPLE_DELETE: '1' } }).allowMultipleDelete).toBe(true);
    expect(loadConfig({ env: { LUCARNE_ALLOW_MULTIPLE_DELETE: 'no' } }).allowMultipleDelete).toBe(false);
    const problems = problemsOf(() => loadConfig({ env: { LUCARNE_ALLOW_MULTIPLE_DELETE: 'maybe' } }));
    expect(problems).toEqual([expect.stringMatching(/^LUCARNE_ALLOW_MULTIPLE_DELETE: must be boolean/)]);
  });

  it('names PORT and the reason when it is not an integer or out of range', () => {
    expect(problemsOf(() => loadConfig({ env: { PORT: 'abc' } }))).toEqual([
      'PORT: must be integer (got "abc")',
    ]);
    expect(problemsOf(() => loadConfig({ env: { PORT: '70000' } }))).toEqual([
      'PORT: must be <= 65535 (got 70000)',
    ]);
    expect(problemsOf(() => loadConfig({ env: { PORT: '80.5' } }))[0]).toMatch(/^PORT: must be integer/);
  });

  it('reports every bad setting at once', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { LOG_LEVEL: 'loud', LUCARNE_MAX_BODY_BYTES: '-1', LUCARNE_BASE_URL: 'not a url' } }),
    );
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent/);
    expect(problems.join('\n')).toMatch(/LUCARNE_MAX_BODY_BYTES: must be >= 1024/);
    expect(problems.join('\n')).toMatch(/LUCARNE_BASE_URL: must match format "uri"/);
  });

  it('rejects a base URL that is not http(s)', () => {
    expect(problemsOf(() => loadConfig({ env: { LUCARNE_BASE_URL: 'ftp://x.example/fhir' } }))).toEqual([
      'LUCARNE_BASE_URL: must be an http or https URL (got "ftp://x.example/fhir")',
    ]);
  });

  it('rejects a default page size above the maximum', () => {
    const problems = problemsOf(() => loadConfig({ env: { LUCARNE_DEFAULT_PAGE_SIZE: '100', LUCARNE_MAX_PAGE_SIZE: '50' } }));
    expect(problems).toEqual(['LUCARNE_DEFAULT_PAGE_SIZE: must not exceed LUCARNE_MAX_PAGE_SIZE (50)']);
  });

  it('reads a JSON config file named by LUCARNE_CONFIG, overridden by the environment', () => {
    const path = configFile(JSON.stringify({ port: 7000, dataDir: '/srv/data', logLevel: 'warn' }));
    const config = loadConfig({ env: { LUCARNE_CONFIG: path, LOG_LEVEL: 'error' } });
    expect(config.port).toBe(7000);
    expect(config.dataDir).toBe('/srv/data');
    expect(config.logLevel).toBe('error');
    expect(config.baseUrl).toBe('http://localhost:7000/fhir');
  });

  it('prefers the --config path over LUCARNE_CONFIG', () => {
    const a = configFile(JSON.stringify({ port: 7001 }));
    const b = configFile(JSON.stringify({ port: 7002 }));
    expect(loadConfig({ env: { LUCARNE_CONFIG: a }, configFile: b }).port).toBe(7002);
  });

  it('names the file and the key for bad or unknown settings in the config file', () => {
    const path = configFile(JSON.stringify({ port: '8080', colour: 'blue' }));
    const problems = problemsOf(() => loadConfig({ env: {}, configFile: path }));
    expect(problems).toContain(`"port" in config file ${path}: must be integer (got "8080")`);
    expect(problems.some((p) => p.startsWith(`"colour" in config file ${path}: unknown setting`))).toBe(true);
  });

  it('explains a missing or malformed config file', () => {
    expect(problemsOf(() => loadConfig({ env: {}, configFile: '/nonexistent/lucarne.json' }))[0]).toBe(
      'config file /nonexistent/lucarne.json: cannot be read (ENOENT)',
    );
    const bad = configFile('{ port: 1');
    expect(problemsOf(() => loadConfig({ env: {}, configFile: bad }))[0]).toMatch(/is not valid JSON/);
    const array = configFile('[1]');
    expect(problemsOf(() => loadConfig({ env: {}, configFile: array }))[0]).toMatch(/must hold a JSON object/);
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ env: { LUCARNE_CORS_ORIGINS: 'https://a.example' } });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.corsOrigins)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => (config.corsOrigins as string[]).push('x')).toThrow(TypeError);
  });

  it('ignores empty environment variables', () => {
    expect(loadConfig({ env: { PORT: '', LOG_LEVEL: '  ' } }).port).toBe(8080);
  });

  it('documents an environment variable for every setting', () => {
    const names = Object.values(settingsSchema).map((s) => s['x-env']);
    expect(new Set(names).size).toBe(names.length);
    for (const s of Object.values(settingsSchema)) expect(s.description.length).toBeGreaterThan(10);
  });
});

describe('requiredProfiles', () => {
  it('is empty by default and reads Type=url entries from LUCARNE_REQUIRED_PROFILES', () => {
    expect(loadConfig({ env: {} }).requiredProfiles).toEqual([]);
    const env = { LUCARNE_REQUIRED_PROFILES: 'Patient=https://x.example/p, ImagingStudy=https://x.example/s' };
    expect(loadConfig({ env }).requiredProfiles).toEqual(['Patient=https://x.example/p', 'ImagingStudy=https://x.example/s']);
  });

  it('names the variable when an entry is not Type=url', () => {
    expect(problemsOf(() => loadConfig({ env: { LUCARNE_REQUIRED_PROFILES: 'https://x.example/p' } }))[0]).toMatch(/^LUCARNE_REQUIRED_PROFILES: must match pattern/);
  });
});
