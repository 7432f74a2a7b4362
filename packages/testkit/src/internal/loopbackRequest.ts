/**
 * DNS-rebinding protection for the HTTP mock, as the Streamable HTTP
 * transport requires of servers: a web page on another site can make a
 * browser send requests to 127.0.0.1 under its own host name, and with them
 * drive the mock's tools and `POST /control`. A request is served only when
 * it is addressed to the mock by its loopback name and port (`Host`) and,
 * when it comes from a page, that page is on loopback too (`Origin`).
 *
 * The SDK's own checks do not fit: the transport's `allowedHosts` /
 * `allowedOrigins` (deprecated) compare exact strings, so they cannot admit
 * a loopback page on any port, and they run only once a request reaches a
 * session's transport, after the mock has read the body of an initialize
 * and made a server for it, and never for `/control`; its
 * `hostHeaderValidation` is Express middleware and ignores the port. This
 * check runs first, for every route.
 */
import type { IncomingHttpHeaders } from "node:http"

const loopbackHostnames = new Set(["localhost", "[::1]"])

const isLoopbackHostname = (hostname: string) =>
  loopbackHostnames.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname)

const isLoopbackOrigin = (origin: string) => {
  if (!URL.canParse(origin)) return false
  const url = new URL(origin)
  return (url.protocol === "http:" || url.protocol === "https:") && isLoopbackHostname(url.hostname)
}

/**
 * Why a request to a server listening on 127.0.0.1:`port` must be refused
 * (403), or `undefined` when it may be served.
 */
export const refusal = (headers: IncomingHttpHeaders, port: number): string | undefined => {
  const host = headers.host?.toLowerCase()
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
    return `Forbidden: the Host header ${JSON.stringify(headers.host ?? "")} does not name this server ` +
      `(127.0.0.1:${port} or localhost:${port})`
  }
  const origin = headers.origin
  if (origin !== undefined && !isLoopbackOrigin(origin)) {
    return `Forbidden: the Origin ${JSON.stringify(origin)} is not a loopback origin (http://localhost, http://127.0.0.1, http://[::1])`
  }
  return undefined
}
