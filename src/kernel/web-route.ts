/**
 * A plain HTTP endpoint outside the FHIR API (SMART discovery, OAuth authorize/token, sign-in pages...),
 * transport-neutral so that domains define endpoints without depending on the HTTP framework: src/http
 * mounts every WebRoute it is given, reads the body (bounded) and writes the response.
 */
export interface WebRequest {
  readonly method: string;
  /** Path without the query, from the server root: `/auth/token`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body as text (form or JSON), for methods that carry one; '' when none was sent. */
  readonly body: string;
  /** The client's address, for rate limits and the audit. */
  readonly remoteAddress?: string;
  /** The request id (X-Request-Id) the HTTP layer assigned. */
  readonly requestId: string;
}

export interface WebResponse {
  readonly status: number;
  /** Header names as they should be sent; `Set-Cookie` may carry several values. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** A string is sent as is (set Content-Type); an object is sent as JSON. */
  readonly body?: string | object;
}

export interface WebRoute {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  /** Exact path from the server root (`/.well-known/smart-configuration`, `/auth/token`). */
  readonly path: string;
  /** When true, the route also answers every path below `path` (`/auth/manage/clients/abc`); it reads request.path. */
  readonly prefix?: boolean;
  handle(request: WebRequest): Promise<WebResponse>;
}
