/** Test harness of the clients and token endpoints: memory state store, settable clock, recorded audit, stand-in tokens. */
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { AuditRecord, AuditSink } from '../../kernel/audit-sink';
import type { Clock } from '../../kernel/clock';
import type { WebRequest, WebResponse, WebRoute } from '../../kernel/web-route';
import { MemoryStateStore } from '../../store/state/memory-state-store';
import { authUrls } from '../auth-urls';
import { createClientServices, type ClientServices } from '../clients/client-services';
import type { GrantHandler } from '../contracts';
import { JWT_BEARER_ASSERTION } from '../clients/client-authenticator';
import { createStandInTokens, type StandInTokens } from './stand-in-tokens.test-helpers';

export const BASE_URL = 'https://lucarne.example/fhir';
export const TOKEN_URL = 'https://lucarne.example/auth/token';

export interface Harness {
  readonly services: ClientServices;
  readonly tokens: StandInTokens;
  readonly state: MemoryStateStore;
  readonly audit: AuditRecord[];
  readonly routes: WebRoute[];
  /** Moves the clock. */
  advance(seconds: number): void;
  now(): number;
  call(method: string, path: string, init?: { headers?: Record<string, string>; body?: string; form?: Record<string, string> }): Promise<WebResponse & { json: Record<string, unknown> }>;
}

export async function createHarness(options: { extraGrants?: GrantHandler[]; revokeRefreshToken?: Parameters<ClientServices['routes']>[1] } = {}): Promise<Harness> {
  let nowMs = Date.UTC(2026, 0, 15, 10, 0, 0);
  const clock: Clock = { now: () => new Date(nowMs) };
  const state = new MemoryStateStore(clock);
  const audit: AuditRecord[] = [];
  const sink: AuditSink = { record: async (r) => void audit.push(r) };
  const tokens = await createStandInTokens(authUrls({ baseUrl: BASE_URL }), clock);
  const services = createClientServices({ config: { baseUrl: BASE_URL }, state, clock, audit: sink, ...tokens });
  const routes = services.routes([services.grants.clientCredentials, ...(options.extraGrants ?? [])], options.revokeRefreshToken);
  return {
    services,
    tokens,
    state,
    audit,
    routes,
    advance: (seconds) => void (nowMs += seconds * 1000),
    now: () => Math.floor(nowMs / 1000),
    async call(method, path, init = {}) {
      const route = routes.find((r) => r.method === method && (r.path === path || (r.prefix && path.startsWith(`${r.path}/`))));
      if (!route) throw new Error(`no route ${method} ${path}`);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = v;
      let body = init.body ?? '';
      if (init.form) {
        body = new URLSearchParams(init.form).toString();
        headers['content-type'] ??= 'application/x-www-form-urlencoded';
      }
      const request: WebRequest = { method, path, query: new URLSearchParams(), headers, body, requestId: randomUUID(), remoteAddress: '127.0.0.1' };
      const response = await route.handle(request);
      return { ...response, json: (typeof response.body === 'object' ? response.body : {}) as Record<string, unknown> };
    },
  };
}

export interface ClientKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function clientKey(alg: 'ES384' | 'RS384' = 'ES384', kid = randomUUID()): Promise<ClientKey> {
  const { privateKey, publicKey } = (await generateKeyPair(alg, { extractable: true })) as { privateKey: CryptoKey; publicKey: CryptoKey };
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A private_key_jwt assertion; `claims` and `header` override the good defaults. */
export async function assertion(
  clientId: string,
  key: ClientKey,
  nowSeconds: number,
  { claims = {}, header = {}, alg = key.publicJwk.alg as string }: { claims?: Record<string, unknown>; header?: Record<string, unknown>; alg?: string } = {},
): Promise<string> {
  const payload = { iss: clientId, sub: clientId, aud: TOKEN_URL, exp: nowSeconds + 240, jti: randomUUID(), ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete (payload as Record<string, unknown>)[k];
  return new SignJWT(payload).setProtectedHeader({ alg, kid: key.publicJwk.kid, typ: 'JWT', ...header }).sign(key.privateKey);
}

export function assertionForm(jwt: string, extra: Record<string, string> = {}): Record<string, string> {
  return { grant_type: 'client_credentials', scope: 'system/*.rs', client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: jwt, ...extra };
}

export function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

/** An unsigned JWT (alg none). */
export function unsigned(payload: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}
