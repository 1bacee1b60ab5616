/** Response headers a browser app may read (Access-Control-Expose-Headers). */
export const EXPOSED_HEADERS = ['ETag', 'Location', 'Content-Location', 'Last-Modified', 'X-Request-Id'];
