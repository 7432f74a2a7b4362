import { createHash } from "node:crypto"

export interface Script {
  readonly name: string
  readonly lua: string
  readonly sha: string
}

const script = (name: string, lua: string): Script => ({
  name,
  lua,
  sha: createHash("sha1").update(lua).digest("hex")
})

// Server time in epoch milliseconds (scripts are replicated by effects, so
// reading TIME is allowed).
const NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`

// Extends a key's TTL to at least `ttl`, never shortens it.
const EXTEND = `
local function extend(key, ttl)
  local left = redis.call('PTTL', key)
  if left ~= -2 and left < ttl then redis.call('PEXPIRE', key, ttl) end
end
`

/**
 * One commit: fencing-token check, version compare-and-set, state write,
 * events appended to the stream (capped with MAXLEN ~), an optional snapshot,
 * one TTL refresh for every key of the session, and an invalidation hint.
 *
 * KEYS: state, events, snaps, fence.
 * ARGV: expected version, new version, user id, record, fencing token or '',
 * TTL ms, max events, snapshot metadata JSON or '', key base, channel, hint,
 * record checksum, then one event JSON per argument.
 *
 * The snapshot records' keys (`<key base>snap:<n>`) are built here, not
 * declared in KEYS: `n` runs up to the number of snapshots, which only the
 * script reads atomically (declaring them would take a read before every
 * commit, and a retry when a snapshot was taken in between). They share the
 * declared keys' hash tag, so their slot: Redis Cluster runs the script on
 * that slot's master and refuses a key of another slot, and the conformance
 * suite passes on a real cluster. The other scripts that reach snapshot
 * records (`quarantineWrongType`, `saveSnapshot`, `deleteSession`) do the
 * same, for the same reason.
 */
export const commit = script(
  "commit",
  `${EXTEND}
local state, events, snaps, fence = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ttl = tonumber(ARGV[6])
if ARGV[5] ~= '' then
  local current = tonumber(redis.call('GET', fence) or '0')
  if tonumber(ARGV[5]) < current then return {'fenced', current} end
end
local actual = tonumber(redis.call('HGET', state, 'version') or '0')
if actual ~= tonumber(ARGV[1]) then return {'conflict', actual} end
redis.call('HSET', state, 'version', ARGV[2], 'user', ARGV[3], 'record', ARGV[4], 'sum', ARGV[12])
redis.call('HDEL', state, 'quarantined')
for i = 13, #ARGV do
  redis.call('XADD', events, 'MAXLEN', '~', ARGV[7], '*', 'e', ARGV[i])
end
if ARGV[8] ~= '' then
  local n = redis.call('HLEN', snaps) + 1
  redis.call('SET', ARGV[9] .. 'snap:' .. n, ARGV[4])
  redis.call('HSET', snaps, n, ARGV[8])
end
redis.call('PEXPIRE', state, ttl)
redis.call('PEXPIRE', events, ttl)
local snapshots = redis.call('HLEN', snaps)
if snapshots > 0 then
  redis.call('PEXPIRE', snaps, ttl)
  for n = 1, snapshots do redis.call('PEXPIRE', ARGV[9] .. 'snap:' .. n, ttl) end
end
extend(fence, ttl)
redis.call('PUBLISH', ARGV[10], ARGV[11])
return {'ok', 0}
`
)

/**
 * KEYS: lease, fence. ARGV: owner, lease TTL ms, session TTL ms.
 * Replies {'ok', token, expiresAt} or {'held', holder, expiresAt}.
 */
export const acquireLease = script(
  "acquireLease",
  `${NOW}${EXTEND}
local ttl = tonumber(ARGV[2])
local held = redis.call('HMGET', KEYS[1], 'owner', 'token')
if held[1] then
  if held[1] ~= ARGV[1] then return {'held', held[1], now + redis.call('PTTL', KEYS[1])} end
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {'ok', tonumber(held[2]), now + ttl}
end
local token = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'token', token)
redis.call('PEXPIRE', KEYS[1], ttl)
extend(KEYS[2], math.max(ttl, tonumber(ARGV[3])))
return {'ok', token, now + ttl}
`
)

/**
 * KEYS: lease, fence. ARGV: owner, token, lease TTL ms, session TTL ms.
 * Replies {'ok', expiresAt} or {'lost', current token}.
 */
export const renewLease = script(
  "renewLease",
  `${NOW}${EXTEND}
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if current ~= tonumber(ARGV[2]) then return {'lost', current} end
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'token', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
extend(KEYS[2], math.max(ttl, tonumber(ARGV[4])))
return {'ok', now + ttl}
`
)

/** KEYS: lease. ARGV: token. */
export const releaseLease = script(
  "releaseLease",
  `
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`
)

// The next id of a quarantine hash: one past the largest, so that an entry
// dropped from the middle never has its id given to a new one.
const NEXT_QUARANTINE_ID = `
local function nextQuarantineId(key)
  local last = 0
  for _, id in ipairs(redis.call('HKEYS', key)) do last = math.max(last, tonumber(id) or 0) end
  return last + 1
end
`

/**
 * Moves the record to the quarantine hash if it is still the one read.
 * KEYS: state, quarantine. ARGV: version, raw record, entry JSON.
 * Replies the entry's id, or 0 when the record changed meanwhile (or the
 * state key no longer holds a hash: the next read quarantines it whole).
 */
export const quarantine = script(
  "quarantine",
  `${NEXT_QUARANTINE_ID}
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return 0 end
local current = redis.call('HMGET', KEYS[1], 'version', 'record')
if not current[1] or tonumber(current[1]) ~= tonumber(ARGV[1]) or (current[2] or '') ~= ARGV[2] then return 0 end
local id = nextQuarantineId(KEYS[2])
redis.call('HSET', KEYS[2], id, ARGV[3])
redis.call('HDEL', KEYS[1], 'record', 'sum')
redis.call('HSET', KEYS[1], 'quarantined', id)
return id
`
)

/**
 * Quarantines a state key that holds another type than a hash (someone SET
 * it, say), keeping what it held: a string as it is, a list, set, sorted set
 * or stream as the JSON of its members. The key becomes a tombstone hash —
 * `quarantined`, a version one past its newest snapshot's, and the user its
 * newest readable snapshot names — with the key's TTL, so that no writer
 * starts the session over and it can be restored from a snapshot.
 *
 * KEYS: state, quarantine, snaps. ARGV: now (epoch ms), session TTL ms, key base.
 * Replies {entry id, tombstone version, reason, user or ''}, or {0} when the
 * key holds a hash again or nothing.
 */
export const quarantineWrongType = script(
  "quarantineWrongType",
  `${NEXT_QUARANTINE_ID}
local state, quarantine, snaps = KEYS[1], KEYS[2], KEYS[3]
local kind = redis.call('TYPE', state).ok
if kind == 'hash' or kind == 'none' then return {0} end
local raw = ''
if kind == 'string' then raw = redis.call('GET', state)
elseif kind == 'list' then raw = cjson.encode(redis.call('LRANGE', state, 0, -1))
elseif kind == 'set' then raw = cjson.encode(redis.call('SMEMBERS', state))
elseif kind == 'zset' then raw = cjson.encode(redis.call('ZRANGE', state, 0, -1, 'WITHSCORES'))
elseif kind == 'stream' then raw = cjson.encode(redis.call('XRANGE', state, '-', '+'))
end
local version, user = 0, ''
if redis.call('TYPE', snaps).ok == 'hash' then
  local ids = {}
  local entries = redis.call('HGETALL', snaps)
  for i = 1, #entries, 2 do
    local ok, decoded = pcall(cjson.decode, entries[i + 1])
    if ok and type(decoded) == 'table' and tonumber(decoded.version) then version = math.max(version, tonumber(decoded.version)) end
    table.insert(ids, tonumber(entries[i]) or 0)
  end
  table.sort(ids, function(a, b) return a > b end)
  for _, id in ipairs(ids) do
    local record = redis.pcall('GET', ARGV[3] .. 'snap:' .. id)
    if type(record) == 'string' then
      local ok, decoded = pcall(cjson.decode, record)
      if ok and type(decoded) == 'table' and type(decoded.userId) == 'string' and decoded.userId ~= '' then
        user = decoded.userId
        break
      end
    end
  end
end
version = version + 1
local reason = 'its state key holds a ' .. kind .. ', not a hash (WRONGTYPE)'
local id = nextQuarantineId(quarantine)
redis.call('HSET', quarantine, id, cjson.encode({version = 0, reason = reason, raw = raw, at = tonumber(ARGV[1])}))
local left = redis.call('PTTL', state)
redis.call('DEL', state)
redis.call('HSET', state, 'version', version, 'quarantined', id)
if user ~= '' then redis.call('HSET', state, 'user', user) end
if left > 0 then redis.call('PEXPIRE', state, left) else redis.call('PEXPIRE', state, tonumber(ARGV[2])) end
return {id, version, reason, user}
`
)

/**
 * KEYS: state, snaps. ARGV: key base, record, snapshot metadata JSON.
 * Replies the snapshot's id, or 0 when the session does not exist. The
 * snapshot expires with the session.
 */
export const saveSnapshot = script(
  "saveSnapshot",
  `
local left = redis.call('PTTL', KEYS[1])
if left == -2 then return 0 end
local n = redis.call('HLEN', KEYS[2]) + 1
local key = ARGV[1] .. 'snap:' .. n
redis.call('SET', key, ARGV[2])
redis.call('HSET', KEYS[2], n, ARGV[3])
if left > 0 then
  redis.call('PEXPIRE', key, left)
  redis.call('PEXPIRE', KEYS[2], left)
end
return n
`
)

/**
 * KEYS: state, events, snaps, fence, lease, quarantine. ARGV: key base,
 * channel, hint. Replies the session's user id, or '' when it had none.
 * Keys of the wrong type are deleted like the others.
 */
export const deleteSession = script(
  "deleteSession",
  `
local user = false
if redis.call('TYPE', KEYS[1]).ok == 'hash' then user = redis.call('HGET', KEYS[1], 'user') end
local n = 0
if redis.call('TYPE', KEYS[3]).ok == 'hash' then n = redis.call('HLEN', KEYS[3]) end
-- Snapshot ids run from 1 without gaps: their keys are found even when the
-- snapshot index is unreadable.
local i = 1
while i <= n or redis.call('EXISTS', ARGV[1] .. 'snap:' .. i) == 1 do
  redis.call('DEL', ARGV[1] .. 'snap:' .. i)
  i = i + 1
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return user or ''
`
)

export const all: ReadonlyArray<Script> = [
  commit,
  acquireLease,
  renewLease,
  releaseLease,
  quarantine,
  quarantineWrongType,
  saveSnapshot,
  deleteSession
]
