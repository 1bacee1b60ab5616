/**
 * The one JSON Schema of Lucarne's settings. Each property names the environment variable that sets it
 * (`x-env`) and its default; the loader, the README table and the tests all read this object.
 * Property names are those of LucarneConfig and of the optional JSON config file.
 */
export interface SettingSchema {
  type: 'integer' | 'string' | 'boolean' | 'array';
  description: string;
  'x-env': string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  enum?: readonly string[];
  format?: string;
  items?: { type: 'string'; minLength?: number; pattern?: string };
  minItems?: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const settingsSchema = {
  port: {
    type: 'integer',
    minimum: 0,
    maximum: 65535,
    default: 8080,
    'x-env': 'PORT',
    description: 'TCP port of the HTTP server (0 picks a free port).',
  },
  host: {
    type: 'string',
    minLength: 1,
    default: '127.0.0.1',
    'x-env': 'LUCARNE_HOST',
    description:
      'Interface to listen on. Loopback by default while the API has no authorization; set 0.0.0.0 (as the Docker image does) to accept other machines.',
  },
  dataDir: {
    type: 'string',
    minLength: 1,
    default: './data',
    'x-env': 'LUCARNE_DATA_DIR',
    description: 'Folder of the embedded store (created if missing).',
  },
  baseUrl: {
    type: 'string',
    format: 'uri',
    'x-env': 'LUCARNE_BASE_URL',
    description: 'Public base URL of the FHIR API, written into links and Location headers (default http://localhost:PORT/fhir).',
  },
  mongodbUrl: {
    type: 'string',
    minLength: 1,
    'x-env': 'MONGODB_URL',
    description: 'MongoDB connection string; when set, the MongoDB backend is used instead of the embedded store.',
  },
  maxBodyBytes: {
    type: 'integer',
    minimum: 1024,
    default: 16 * 1024 * 1024,
    'x-env': 'LUCARNE_MAX_BODY_BYTES',
    description: 'Largest accepted request body in bytes; larger bodies get 413.',
  },
  maxResourceElements: {
    type: 'integer',
    minimum: 1000,
    default: 200000,
    'x-env': 'LUCARNE_MAX_RESOURCE_ELEMENTS',
    description:
      'Most JSON values (objects, arrays, strings, numbers, booleans, null) one resource may hold: a request body, each entry of a Bundle, a patched resource. Counted while the body is scanned, before it is parsed; past it, 413.',
  },
  maxInFlightBodyBytes: {
    type: 'integer',
    minimum: 1024,
    'x-env': 'LUCARNE_MAX_IN_FLIGHT_BODY_BYTES',
    description:
      'Memory budget of request bodies being read or processed at once, in bytes (decoded size); a body beyond it gets 503 with Retry-After. A lone request is always admitted. Default: the V8 heap limit / 64 (64 MiB on a 4 GiB heap), since processing a body can hold up to ~30 times its size.',
  },
  corsOrigins: {
    type: 'array',
    items: { type: 'string', minLength: 1 },
    default: ['*'],
    'x-env': 'LUCARNE_CORS_ORIGINS',
    description: 'Origins allowed by CORS, comma separated in the environment; * allows any.',
  },
  logLevel: {
    type: 'string',
    enum: LOG_LEVELS,
    default: 'info',
    'x-env': 'LOG_LEVEL',
    description: 'Log level of the JSON logs (fatal, error, warn, info, debug, trace, silent).',
  },
  writerThread: {
    type: 'boolean',
    default: true,
    'x-env': 'LUCARNE_WRITER_THREAD',
    description: 'Whether the embedded store runs its writes in a worker thread (a second core does the SQLite work of every write); false keeps them on the event loop.',
  },
  allowMultipleDelete: {
    type: 'boolean',
    default: false,
    'x-env': 'LUCARNE_ALLOW_MULTIPLE_DELETE',
    description: 'Whether a conditional delete may delete several resources at once.',
  },
  defaultPageSize: {
    type: 'integer',
    minimum: 1,
    default: 20,
    'x-env': 'LUCARNE_DEFAULT_PAGE_SIZE',
    description: 'Page size of searches and histories when the request has no _count.',
  },
  maxPageSize: {
    type: 'integer',
    minimum: 1,
    default: 1000,
    'x-env': 'LUCARNE_MAX_PAGE_SIZE',
    description: 'Largest page size a request may ask for with _count.',
  },
  maxBundleEntries: {
    type: 'integer',
    minimum: 1,
    default: 10000,
    'x-env': 'LUCARNE_MAX_BUNDLE_ENTRIES',
    description: 'Most entries a batch or transaction Bundle may have; a larger one is answered 413 and nothing runs.',
  },
  maxBundleResponseBytes: {
    type: 'integer',
    minimum: 1024,
    default: 33554432,
    'x-env': 'LUCARNE_MAX_BUNDLE_RESPONSE_BYTES',
    description:
      'Largest batch or transaction response, in bytes of JSON: batch entries past it answer 413 in their entry.response, a transaction past it is answered 413 with nothing written.',
  },
  shutdownTimeoutMs: {
    type: 'integer',
    minimum: 0,
    default: 10000,
    'x-env': 'LUCARNE_SHUTDOWN_TIMEOUT_MS',
    description: 'On SIGTERM/SIGINT, how long in-flight requests may take to finish before the server closes anyway.',
  },
  maxConnections: {
    type: 'integer',
    minimum: 1,
    default: 8192,
    'x-env': 'LUCARNE_MAX_CONNECTIONS',
    description:
      'Open connections the server keeps at once; a connection over it is answered 503 with Retry-After and closed. Lowered automatically to fit the open-file limit.',
  },
  maxConnectionsPerClient: {
    type: 'integer',
    minimum: 0,
    default: 0,
    'x-env': 'LUCARNE_MAX_CONNECTIONS_PER_CLIENT',
    description: 'Open connections one client address may hold (0: no per-address cap; behind a proxy every client shares its address).',
  },
  headersTimeoutMs: {
    type: 'integer',
    minimum: 1000,
    default: 10000,
    'x-env': 'LUCARNE_HEADERS_TIMEOUT_MS',
    description: 'How long a client may take to send the request line and headers before it is answered 408 and closed.',
  },
  requestTimeoutMs: {
    type: 'integer',
    minimum: 1000,
    default: 60000,
    'x-env': 'LUCARNE_REQUEST_TIMEOUT_MS',
    description: 'How long a client may take to send a whole request, body included, before it is answered 408 and closed.',
  },
  keepAliveTimeoutMs: {
    type: 'integer',
    minimum: 1000,
    default: 65000,
    'x-env': 'LUCARNE_KEEP_ALIVE_TIMEOUT_MS',
    description: 'How long an idle keep-alive connection stays open (longer than common load-balancer idle timeouts).',
  },
  searchHandling: {
    type: 'string',
    enum: ['lenient', 'strict'],
    default: 'lenient',
    'x-env': 'LUCARNE_SEARCH_HANDLING',
    description:
      'What a search does with an unknown or unsupported parameter when the client sends no Prefer: handling: lenient ignores it (named in a warning outcome entry, left out of the links), strict answers 400.',
  },
  requiredProfiles: {
    type: 'array',
    items: { type: 'string', pattern: '^[A-Z][A-Za-z]+=\\S+$' },
    default: [],
    'x-env': 'LUCARNE_REQUIRED_PROFILES',
    description:
      'Profiles that resources of a type must conform to on create and update, as Type=url entries (comma separated in the environment); a failing resource answers 422 with every issue.',
  },
  auth: {
    type: 'string',
    enum: ['smart', 'open'],
    default: 'smart',
    'x-env': 'LUCARNE_AUTH',
    description:
      'smart: every FHIR request needs a SMART on FHIR access token (the default). open: anyone who reaches the port may read and change everything; the server logs a warning at every start. For local trials only.',
  },
  accessTokenSeconds: {
    type: 'integer',
    minimum: 60,
    maximum: 3600,
    default: 900,
    'x-env': 'LUCARNE_ACCESS_TOKEN_SECONDS',
    description: 'Lifetime of the access tokens the server issues, in seconds (at most one hour).',
  },
  signingKeyRotationHours: {
    type: 'integer',
    minimum: 1,
    maximum: 8760,
    default: 720,
    'x-env': 'LUCARNE_SIGNING_KEY_ROTATION_HOURS',
    description: 'Age at which the token signing key is replaced by a new one; retired keys stay in the JWKS until the tokens they signed have expired.',
  },
  refreshTokenDays: {
    type: 'integer',
    minimum: 1,
    maximum: 365,
    default: 30,
    'x-env': 'LUCARNE_REFRESH_TOKEN_DAYS',
    description: 'Lifetime of an offline_access refresh-token family, in days (an online_access one ends with the sign-in session).',
  },
  sessionMinutes: {
    type: 'integer',
    minimum: 5,
    maximum: 1440,
    default: 480,
    'x-env': 'LUCARNE_SESSION_MINUTES',
    description: 'Lifetime of a sign-in session at the authorization server, in minutes.',
  },
  signInMaxFailures: {
    type: 'integer',
    minimum: 1,
    maximum: 100,
    default: 5,
    'x-env': 'LUCARNE_SIGN_IN_MAX_FAILURES',
    description: 'Failed password sign-ins after which an account is locked, and after which a client address is slowed down.',
  },
  signInLockoutMinutes: {
    type: 'integer',
    minimum: 1,
    maximum: 1440,
    default: 15,
    'x-env': 'LUCARNE_SIGN_IN_LOCKOUT_MINUTES',
    description: 'How long an account stays locked after too many failed sign-ins.',
  },
  oidcIssuer: {
    type: 'string',
    format: 'uri',
    'x-env': 'LUCARNE_OIDC_ISSUER',
    description: 'Issuer URL of an upstream OpenID Connect provider for professionals (the national professional identity provider, say); unset: local accounts only.',
  },
  oidcClientId: {
    type: 'string',
    minLength: 1,
    'x-env': 'LUCARNE_OIDC_CLIENT_ID',
    description: 'Lucarne\'s client id at the upstream OpenID Connect provider.',
  },
  oidcClientSecret: {
    type: 'string',
    minLength: 1,
    'x-env': 'LUCARNE_OIDC_CLIENT_SECRET',
    description: 'Lucarne\'s client secret at the upstream OpenID Connect provider (client_secret_basic).',
  },
  oidcRppsClaim: {
    type: 'string',
    minLength: 1,
    default: 'SubjectNameID',
    'x-env': 'LUCARNE_OIDC_RPPS_CLAIM',
    description: 'The id_token or userinfo claim that holds the professional\'s RPPS number, by which their Practitioner is found (identifier system urn:oid:1.2.250.1.71.4.2.1).',
  },
  breakTheGlassOverridesConsent: {
    type: 'boolean',
    default: false,
    'x-env': 'LUCARNE_BREAK_THE_GLASS_OVERRIDES_CONSENT',
    description: 'Whether a break-the-glass access (purpose of use ETREAT with a stated reason) also sees what a patient\'s consent hides from a professional; it is always audited and shown to the patient.',
  },
} as const satisfies Record<string, SettingSchema>;

export type SettingName = keyof typeof settingsSchema;

/** The JSON Schema that a complete configuration must satisfy (after defaults and the environment). */
export const configSchema = {
  $id: 'https://lucarne.invalid/schemas/config.json',
  type: 'object',
  additionalProperties: false,
  // Settings without a default are optional (baseUrl is derived from port when absent).
  required: Object.keys(settingsSchema).filter((k) => 'default' in settingsSchema[k as SettingName]),
  properties: settingsSchema,
} as const;
