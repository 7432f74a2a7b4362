import type { ServerConfig } from "../McpConfig.js"

export const MASK = "***"

// Parameter, option and variable names that hold secrets, matched anywhere in
// the name once case and separators are dropped (`X-Amz-Signature`,
// `client_secret`, `apiKey`). Generous on purpose: masking a harmless value
// costs a little clarity, showing a secret cannot be undone.
const SECRET_WORDS = [
  "key",
  "token",
  "secret",
  "pass",
  "pwd",
  "auth",
  "sig",
  "credential",
  "session",
  "cookie",
  "jwt",
  "bearer",
  "code",
  "private",
  "hash",
  "salt",
  "nonce",
  "otp"
]

export const isSecretName = (name: string): boolean => {
  const normalised = name.toLowerCase().replace(/[^a-z0-9]/g, "")
  return SECRET_WORDS.some((word) => normalised.includes(word))
}

// A value that looks generated rather than written: long, of the characters
// tokens are made of, with both letters and digits (`sk-live-4f9a…`, a JWT).
const TOKEN_LIKE = /^[A-Za-z0-9_\-.~+=]{20,}$/

export const looksLikeToken = (value: string): boolean =>
  TOKEN_LIKE.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value)

const decoded = (text: string) => {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "))
  } catch {
    return text
  }
}

// One `name=value` of a query or a fragment.
const redactParameter = (parameter: string) => {
  const equals = parameter.indexOf("=")
  if (equals === -1) return looksLikeToken(decoded(parameter)) ? MASK : parameter
  const name = parameter.slice(0, equals)
  const value = parameter.slice(equals + 1)
  if (value === "" || value === MASK) return parameter
  return isSecretName(decoded(name)) || looksLikeToken(decoded(value)) ? `${name}=${MASK}` : parameter
}

const redactParameters = (text: string) => text.split("&").map(redactParameter).join("&")

const redactPath = (path: string) =>
  path.split("/").map((segment) => (looksLikeToken(decoded(segment)) ? MASK : segment)).join("/")

// scheme://authority path ?query #fragment, split without normalising, so
// that what is shown is what the user wrote, less its secrets.
const URL_PARTS = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s

export const redactUrl = (url: string): string => {
  const parts = URL_PARTS.exec(url)
  if (parts === null) return looksLikeToken(url) ? MASK : url
  const [scheme, authority, path, query, fragment] = [parts[1]!, parts[2]!, parts[3]!, parts[4], parts[5]]
  const at = authority.lastIndexOf("@")
  const host = at === -1 ? authority : `${MASK}@${authority.slice(at + 1)}`
  return scheme + host + redactPath(path) +
    (query === undefined ? "" : `?${redactParameters(query)}`) +
    (fragment === undefined ? "" : `#${fragment.includes("=") ? redactParameters(fragment) : redactPath(fragment)}`)
}

// A URL inside free text ends at whitespace or at a character that quotes it.
const URL_IN_TEXT = /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>`]+/g
const HAS_URL = /\b[A-Za-z][A-Za-z0-9+.-]*:\/\//

// Punctuation that closes the sentence or the brackets around a URL.
const TRAILING = /[).,;:!?\]]+$/

export const redactText = (text: string): string =>
  text.replace(URL_IN_TEXT, (found) => {
    const trailing = TRAILING.exec(found)?.[0] ?? ""
    return redactUrl(found.slice(0, found.length - trailing.length)) + trailing
  })

// `--token=…`, `API_KEY=…`: a secret-looking name with its value attached.
const ASSIGNMENT = /^(-{0,2}[A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/s

export const redactArgs = (args: ReadonlyArray<string>): Array<string> =>
  args.map((arg, i) => {
    const previous = i > 0 ? args[i - 1]! : undefined
    // `--api-key VALUE`: the value follows a secret-looking option.
    if (previous !== undefined && /^--?[A-Za-z]/.test(previous) && !previous.includes("=") && isSecretName(previous)) {
      if (!arg.startsWith("-")) return MASK
    }
    const assignment = ASSIGNMENT.exec(arg)
    if (assignment !== null && isSecretName(assignment[1]!)) return `${assignment[1]}=${MASK}`
    if (HAS_URL.test(arg)) return redactText(arg)
    return looksLikeToken(arg) ? MASK : arg
  })

export const describe = (server: ServerConfig): string => {
  if ("inMemory" in server) return "in memory"
  if ("url" in server) return (server.instances ?? [server.url]).map(redactUrl).join(", ")
  const line = redactArgs([server.command, ...(server.args ?? [])]).join(" ")
  const names = Object.keys(server.env ?? {})
  return names.length === 0 ? line : `${line} (env: ${names.join(", ")})`
}
