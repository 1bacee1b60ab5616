/**
 * Lucarne's settings, after validation. Produced once at start-up by loadConfig() and frozen.
 * (The JSON Schema and the loader live beside this file.)
 */
export interface LucarneConfig {
  /** TCP port of the HTTP server (PORT, default 8080). */
  port: number;
  /** Interface to listen on (LUCARNE_HOST, default 127.0.0.1 while the API is open; Docker sets 0.0.0.0). */
  host: string;
  /** Folder of the embedded store (LUCARNE_DATA_DIR, default ./data). */
  dataDir: string;
  /** Public base URL of the FHIR API, written into links and Location headers (LUCARNE_BASE_URL). */
  baseUrl: string;
  /** MongoDB connection string; when set the MongoDB backend is used (MONGODB_URL). */
  mongodbUrl?: string;
  /** Largest accepted request body in bytes (LUCARNE_MAX_BODY_BYTES, default 16 MiB). */
  maxBodyBytes: number;
  /** Most JSON values one resource may hold: a body, each entry of a Bundle, a patched resource (LUCARNE_MAX_RESOURCE_ELEMENTS). */
  maxResourceElements: number;
  /** Request bodies in flight at once, decoded bytes, beyond which writes get 503 (LUCARNE_MAX_IN_FLIGHT_BODY_BYTES, 64 MiB). */
  maxInFlightBodyBytes: number;
  /** Allowed CORS origins; ['*'] allows any (LUCARNE_CORS_ORIGINS, comma separated). */
  corsOrigins: string[];
  /** pino log level (LOG_LEVEL, default info). */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Whether the embedded store writes from a worker thread, on a second core (LUCARNE_WRITER_THREAD, default true). */
  writerThread: boolean;
  /** Whether a conditional delete may delete several resources (LUCARNE_ALLOW_MULTIPLE_DELETE). */
  allowMultipleDelete: boolean;
  /** Default and maximum page sizes of searches and histories. */
  defaultPageSize: number;
  maxPageSize: number;
  /** Batch/transaction bounds: entries of the request, bytes of the response (LUCARNE_MAX_BUNDLE_*). */
  maxBundleEntries: number;
  maxBundleResponseBytes: number;
  /** How long in-flight requests may take to finish at shutdown (LUCARNE_SHUTDOWN_TIMEOUT_MS, default 10 s). */
  shutdownTimeoutMs: number;
  /** Connection caps: open connections in all (LUCARNE_MAX_CONNECTIONS) and per client address (0: none). */
  maxConnections: number;
  maxConnectionsPerClient: number;
  /** Time a client may take to send its headers, its whole request, and an idle keep-alive connection lives. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Unknown search parameters: ignored with a warning (lenient) or 400 (strict), unless Prefer: handling says (LUCARNE_SEARCH_HANDLING). */
  searchHandling: 'lenient' | 'strict';
  /** Type=url entries: profiles required on write for that type (LUCARNE_REQUIRED_PROFILES, comma separated). */
  requiredProfiles?: string[];
  /** smart: SMART on FHIR tokens required (default); open: no authorization, warned at every start (LUCARNE_AUTH). */
  auth: 'smart' | 'open';
  /** Access-token lifetime in seconds, at most 3600 (LUCARNE_ACCESS_TOKEN_SECONDS, default 900). */
  accessTokenSeconds: number;
  /** Age in hours at which the signing key is rotated (LUCARNE_SIGNING_KEY_ROTATION_HOURS, default 720). */
  signingKeyRotationHours: number;
  /** Lifetime of an offline refresh-token family in days (LUCARNE_REFRESH_TOKEN_DAYS, default 30). */
  refreshTokenDays: number;
  /** Sign-in session lifetime at the authorization server (LUCARNE_SESSION_MINUTES, default 480). */
  sessionMinutes: number;
  /** Failed sign-ins before an account locks, and how long it stays locked (LUCARNE_SIGN_IN_*). */
  signInMaxFailures: number;
  signInLockoutMinutes: number;
  /** Upstream OpenID Connect provider for professionals (LUCARNE_OIDC_*); unset: local accounts only. */
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcClientSecret?: string;
  /** Claim holding the professional's RPPS number (LUCARNE_OIDC_RPPS_CLAIM, default SubjectNameID). */
  oidcRppsClaim: string;
  /** Whether break-the-glass also overrides the patient's consent (LUCARNE_BREAK_THE_GLASS_OVERRIDES_CONSENT). */
  breakTheGlassOverridesConsent: boolean;
}
