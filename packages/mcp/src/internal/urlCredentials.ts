/**
 * `https://user:password@host/mcp` in a config is how many clients take
 * HTTP Basic credentials, but fetch refuses a URL that carries them. The
 * transport gets the URL without its userinfo and the userinfo as an
 * `Authorization: Basic …` header, unless the config sets that header itself.
 */

export interface HttpTarget {
  readonly url: string
  readonly headers?: Readonly<Record<string, string>> | undefined
}

const decoded = (text: string) => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

const hasAuthorization = (headers: Readonly<Record<string, string>> | undefined) =>
  headers !== undefined && Object.keys(headers).some((name) => name.toLowerCase() === "authorization")

export const withoutUserinfo = (target: HttpTarget): HttpTarget => {
  if (!URL.canParse(target.url)) return target
  const url = new URL(target.url)
  if (url.username === "" && url.password === "") return target
  const credentials = `${decoded(url.username)}:${decoded(url.password)}`
  url.username = ""
  url.password = ""
  const headers = hasAuthorization(target.headers)
    ? target.headers
    : { ...target.headers, Authorization: `Basic ${Buffer.from(credentials, "utf8").toString("base64")}` }
  return { url: url.href, headers }
}
