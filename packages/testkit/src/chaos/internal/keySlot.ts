/**
 * The Redis Cluster slot of a key, as the servers compute it: CRC16
 * (XMODEM) of the key, or of its hash tag (the text between the first `{`
 * and the next `}`, when not empty), modulo 16384. The testkit does not
 * depend on a Redis client library, and asking a server costs a round trip
 * per key.
 */

const TABLE = (() => {
  const table = new Uint16Array(256)
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
    table[byte] = crc
  }
  return table
})()

const crc16 = (bytes: Uint8Array) => {
  let crc = 0
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!
  return crc
}

/** The part of `key` that decides its slot. */
const hashed = (key: string) => {
  const open = key.indexOf("{")
  if (open < 0) return key
  const close = key.indexOf("}", open + 1)
  return close > open + 1 ? key.slice(open + 1, close) : key
}

/** @since 0.2.0 */
export const SLOTS = 16_384

/** The slot of `key`. */
export const slotOf = (key: string): number => crc16(Buffer.from(hashed(key), "utf8")) % SLOTS
