import { randomBytes } from 'node:crypto';
import { OAuthError, type ClientType, type RegisteredClient } from '../contracts';

/** The registration a person asks for (administration API body, CLI flags), before the server completes it. */
export interface ClientRegistration {
  readonly clientId?: string;
  readonly name: string;
  readonly type: ClientType;
  readonly redirectUris?: readonly string[];
  readonly allowedScopes?: readonly string[];
  readonly jwks?: { readonly keys: readonly object[] };
  readonly jwksUri?: string;
  readonly canLaunch?: boolean;
  readonly carriesLaunchUser?: boolean;
}

const SHORT_TYPES: Readonly<Record<string, ClientType>> = { symmetric: 'confidential-symmetric', asymmetric: 'confidential-asymmetric' };

/** `public`, `symmetric`, `asymmetric` or the full ClientType name. */
export function clientTypeOf(value: unknown): ClientType {
  const type = typeof value === 'string' ? (SHORT_TYPES[value] ?? value) : value;
  if (type !== 'public' && type !== 'confidential-symmetric' && type !== 'confidential-asymmetric') {
    throw new OAuthError('invalid_request', 'type must be public, confidential-symmetric (symmetric) or confidential-asymmetric (asymmetric)', 400);
  }
  return type;
}

/**
 * The client to store and, for a symmetric client, the secret the server generated for it (shown once).
 * An absent clientId is generated.
 */
export function completeRegistration(registration: ClientRegistration): { client: RegisteredClient; secret?: string } {
  const type = clientTypeOf(registration.type);
  const client: RegisteredClient = {
    clientId: registration.clientId ?? randomBytes(12).toString('base64url'),
    name: registration.name,
    type,
    redirectUris: registration.redirectUris ?? [],
    allowedScopes: registration.allowedScopes ?? [],
    ...(registration.jwks !== undefined ? { jwks: registration.jwks } : {}),
    ...(registration.jwksUri !== undefined ? { jwksUri: registration.jwksUri } : {}),
    ...(registration.canLaunch !== undefined ? { canLaunch: registration.canLaunch } : {}),
    ...(registration.carriesLaunchUser !== undefined ? { carriesLaunchUser: registration.carriesLaunchUser } : {}),
  };
  return type === 'confidential-symmetric' ? { client, secret: randomBytes(32).toString('base64url') } : { client };
}

const FIELDS = ['clientId', 'name', 'type', 'redirectUris', 'allowedScopes', 'jwks', 'jwksUri', 'canLaunch', 'carriesLaunchUser'];

/** The registration of an administration API body (JSON), with its members' types checked; unknown members refused. */
export function registrationFromJson(body: unknown): ClientRegistration {
  const bad = (description: string) => new OAuthError('invalid_request', description, 400);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) throw bad(`unknown member(s): ${unknown.join(', ').slice(0, 200)}`);
  const strings = (name: string): string[] | undefined => {
    const v = b[name];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw bad(`${name} must be an array of strings`);
    return v as string[];
  };
  const optional = <T>(name: string, type: string): T | undefined => {
    if (b[name] === undefined) return undefined;
    if (typeof b[name] !== type) throw bad(`${name} must be a ${type}`);
    return b[name] as T;
  };
  if (typeof b.name !== 'string') throw bad('name is required');
  if (b.jwks !== undefined && (typeof b.jwks !== 'object' || b.jwks === null)) throw bad('jwks must be a JWK Set object');
  return {
    clientId: optional<string>('clientId', 'string'),
    name: b.name,
    type: clientTypeOf(b.type),
    redirectUris: strings('redirectUris'),
    allowedScopes: strings('allowedScopes'),
    jwks: b.jwks as ClientRegistration['jwks'],
    jwksUri: optional<string>('jwksUri', 'string'),
    canLaunch: optional<boolean>('canLaunch', 'boolean'),
    carriesLaunchUser: optional<boolean>('carriesLaunchUser', 'boolean'),
  };
}
