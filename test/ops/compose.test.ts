import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { settingsSchema } from '../../src/config/config-schema';

/**
 * Docker cannot run here, so the deployment files are checked statically: docker-compose.yml and the
 * Dockerfile must be wired as README.md ("Docker") documents.
 */
const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[] | string;
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] | string; interval?: string; retries?: number };
  depends_on?: Record<string, { condition: string }>;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml')) as Compose;
const { mongo, lucarne, orthanc } = compose.services;
const testText = (s: Service) => [s.healthcheck?.test ?? []].flat().join(' ');
/** Published container ports, as a map container port -> host part ("8080" or "127.0.0.1:27017"). */
const published = (s: Service) =>
  new Map((s.ports ?? []).map((p) => [p.slice(p.lastIndexOf(':') + 1), p.slice(0, p.lastIndexOf(':'))]));

describe('docker-compose.yml', () => {
  it('has exactly the documented services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['lucarne', 'mongo', 'orthanc']);
  });

  it('runs MongoDB as a single-node replica set, initiated by its healthcheck, with a volume', () => {
    expect(mongo.image).toMatch(/^mongo:(7|8)(\.\d+)*$/);
    const command = [mongo.command ?? []].flat().join(' ');
    const replSet = /--replSet[ =](\S+)/.exec(command)?.[1];
    expect(replSet).toBe('rs0');
    const check = testText(mongo);
    expect(check).toMatch(/mongosh/);
    expect(check).toMatch(/rs\.status\(\)/);
    expect(check).toContain(`rs.initiate({ _id: '${replSet}', members: [{ _id: 0, host: 'mongo:27017' }] })`);
    expect(check).toMatch(/quit\(db\.hello\(\)\.isWritablePrimary \? 0 : 1\)/);
    expect(mongo.volumes).toContain('mongo-data:/data/db');
    // Published on the host's loopback only.
    expect(published(mongo).get('27017')).toBe('127.0.0.1:27017');
  });

  it('builds Lucarne from the Dockerfile, points MONGODB_URL at the replica set and waits for it to be healthy', () => {
    expect(lucarne.build).toBe('.');
    const env = lucarne.environment ?? {};
    const url = new URL(env.MONGODB_URL);
    expect(url.protocol).toBe('mongodb:');
    expect(url.host).toBe('mongo:27017');
    expect(url.pathname).toBe('/lucarne');
    expect(url.searchParams.get('replicaSet')).toBe('rs0');
    expect(env.MONGODB_URL).toBe('mongodb://mongo:27017/lucarne?replicaSet=rs0');
    expect(lucarne.depends_on).toEqual({ mongo: { condition: 'service_healthy' } });

    // Every variable is one Lucarne reads (a typo would silently fall back to a default).
    const known = new Set(Object.values(settingsSchema).map((s) => s['x-env']));
    for (const name of Object.keys(env)) expect(known).toContain(name);
    expect(published(lucarne).get(env.PORT)).toBe(env.PORT);
    expect(env.LUCARNE_HOST).toBe('0.0.0.0');
    expect(env.LUCARNE_BASE_URL).toBe(`http://localhost:${env.PORT}/fhir`);
  });

  it('gives Lucarne a healthcheck on /readyz at its port', () => {
    const check = testText(lucarne);
    expect(check).toContain(`http://127.0.0.1:${lucarne.environment?.PORT}/readyz`);
    expect(check).toMatch(/process\.exit\(r\.ok\?0:1\)/);
  });

  it('runs Orthanc with its DICOMweb plugin, HTTP and DICOM ports and a volume', () => {
    expect(orthanc.image).toMatch(/^orthancteam\/orthanc(:|$)/);
    expect(orthanc.environment?.DICOMWEB_PLUGIN_ENABLED).toBe('true');
    expect(published(orthanc).get('8042')).toBe('8042');
    expect(published(orthanc).get('4242')).toBe('4242');
    expect(orthanc.volumes).toContain('orthanc-data:/var/lib/orthanc/db');
    expect(JSON.parse(orthanc.environment?.ORTHANC__REGISTERED_USERS ?? '{}')).toEqual({ demo: 'demo' });
  });

  it('declares every named volume it uses, and uses every one it declares', () => {
    const used = Object.values(compose.services)
      .flatMap((s) => s.volumes ?? [])
      .map((v) => v.split(':')[0])
      .filter((v) => !v.startsWith('.') && !v.startsWith('/'));
    expect([...new Set(used)].sort()).toEqual(Object.keys(compose.volumes ?? {}).sort());
  });

  it('is described by README.md', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('## Docker'), readme.indexOf('\n## ', readme.indexOf('## Docker') + 1));
    expect(section).toContain('docker compose up --build');
    expect(section).toContain(lucarne.environment?.MONGODB_URL);
    for (const [name, s] of Object.entries(compose.services)) {
      expect(section).toContain(`\`${name}\``);
      for (const port of published(s).keys()) expect(section).toContain(port);
    }
    expect(section).toContain('DICOMWEB_PLUGIN_ENABLED=true');
    expect(section).toContain('service_healthy');
  });
});

describe('Dockerfile', () => {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: string[][] = [];
  for (const line of lines) {
    if (/^FROM /i.test(line)) stages.push([]);
    stages.at(-1)?.push(line);
  }
  const final = stages.at(-1) ?? [];
  const instruction = (name: string) => final.filter((l) => l.toUpperCase().startsWith(`${name} `));

  it('is multi-stage: the final stage copies the build from a named stage and installs no compiler', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const buildName = /^FROM \S+ AS (\S+)/i.exec(stages[0][0])?.[1];
    expect(buildName).toBeDefined();
    expect(final.some((l) => l.startsWith(`COPY --from=${buildName} /app/dist`))).toBe(true);
    expect(final.join('\n')).not.toMatch(/g\+\+|apt-get install/);
  });

  it('runs as a non-root user, with a healthcheck on /healthz at the exposed port', () => {
    const user = instruction('USER').at(-1)?.split(/\s+/)[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(instruction('EXPOSE')).toEqual(['EXPOSE 8080']);
    expect(final.join('\n')).toMatch(/PORT=8080/);
    // The server's own default is loopback; in a container it must listen on every interface.
    expect(final.join('\n')).toMatch(/LUCARNE_HOST=0\.0\.0\.0/);
    expect(instruction('HEALTHCHECK').join(' ')).toMatch(/\/healthz/);
    expect(instruction('CMD').at(-1)).toBe('CMD ["node", "dist/src/main.js"]');
  });

  it('copies only files that exist and that .dockerignore lets through, and builds the main the CMD runs', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter(Boolean);
    const sources = stages
      .flat()
      .filter((l) => /^COPY /i.test(l) && !/--from=/.test(l))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source))).toBe(true);
      expect(ignored).not.toContain(source);
    }
    for (const secret of ['.git', 'node_modules', 'data']) expect(ignored).toContain(secret);
    // CMD runs dist/src/main.js: tsc writes <outDir>/<path from rootDir>.
    type Ts = { extends?: string; compilerOptions?: { outDir?: string; rootDir?: string } };
    const build = JSON.parse(read('tsconfig.build.json')) as Ts;
    const base = JSON.parse(read(build.extends ?? 'tsconfig.json')) as Ts;
    const options = { ...base.compilerOptions, ...build.compilerOptions };
    expect(join(options.outDir ?? '', 'src', 'main.js')).toBe(join('dist', 'src', 'main.js'));
    expect(join(options.rootDir ?? '')).toBe('.');
    expect(existsSync(join(ROOT, 'src', 'main.ts'))).toBe(true);
  });
});
