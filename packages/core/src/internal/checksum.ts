/**
 * A canonical JSON form (object keys sorted, undefined members dropped) and a
 * 64-bit hash of it. This is an integrity check for handoffs, not a security
 * boundary.
 */

// Printable ASCII without `"` and `\` needs no escaping; anything else goes
// through JSON.stringify. The fast path matters: histories are mostly prose.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/
const quote = (text: string): string => (PLAIN.test(text) ? `"${text}"` : JSON.stringify(text))

export const canonicalJson = (value: unknown): string => {
  switch (typeof value) {
    case "string":
      return quote(value)
    case "number":
    case "boolean":
      return JSON.stringify(value)
    case "object":
      break
    default:
      return "null"
  }
  if (value === null) return "null"
  if (Array.isArray(value)) {
    let out = "["
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ","
      out += canonicalJson(value[i])
    }
    return out + "]"
  }
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).sort()
  let out = "{"
  let first = true
  for (const key of keys) {
    const member = record[key]
    if (member === undefined) continue
    out += (first ? "" : ",") + quote(key) + ":" + canonicalJson(member)
    first = false
  }
  return out + "}"
}

// cyrb53-style: two 32-bit lanes mixed with Math.imul, printed as 16 hex digits.
export const hash64 = (text: string): string => {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (h2 >>> 0).toString(16).padStart(8, "0") + (h1 >>> 0).toString(16).padStart(8, "0")
}

export const checksumOf = (value: unknown): string => hash64(canonicalJson(value))

// Messages are immutable values, so each one's digest is computed once per
// process, the way a hash code is cached; a history's digest then costs one
// short hash over the digests of its messages.
const messageDigests = new WeakMap<object, string>()

export const digestOfItems = (items: ReadonlyArray<object>): string => {
  let joined = ""
  for (const item of items) {
    let digest = messageDigests.get(item)
    if (digest === undefined) {
      digest = checksumOf(item)
      messageDigests.set(item, digest)
    }
    joined += digest
  }
  return hash64(joined)
}
