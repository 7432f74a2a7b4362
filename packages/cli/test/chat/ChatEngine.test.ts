/**
 * The chat's engine on its own: sessions whose record cannot be read (on a
 * real SQLite file) are restored from their last good snapshot and the chat
 * says so, or says plainly that they cannot be; reserved ids are refused;
 * failed turns are counted.
 */
import { Ids, Message, SessionStore } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import { SqliteSessionStore } from "@baton/session"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterEach } from "vitest"
import * as ChatLines from "../../src/chat/ChatLines.js"
import * as ChatState from "../../src/chat/ChatState.js"
import * as Recovery from "../../src/chat/Recovery.js"
import * as Chat from "../../src/commands/Chat.js"
import { engine, until } from "./support.js"

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A SQLite store on a fresh file, and a way to spoil a session's record in it. */
const sqlite = async () => {
  const dir = mkdtempSync(Path.join(tmpdir(), "baton-chat-engine-"))
  const filename = Path.join(dir, "chat.db")
  const scope = await Effect.runPromise(Scope.make())
  cleanups.push(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(dir, { recursive: true, force: true })
  })
  const db = await Effect.runPromise(Scope.extend(SqliteSessionStore.open(filename), scope))
  const sessions = await Effect.runPromise(SqliteSessionStore.make(db))
  const spoil = (sessionId: string) =>
    void db.prepare("UPDATE baton_sessions SET record = ? WHERE session_id = ?").run("{\"not\": json", sessionId)
  return { filename, sessions, spoil }
}

const open = async (options: Parameters<typeof engine>[0]) => {
  const made = await engine(options)
  cleanups.push(made.close)
  return made.engine
}

const lines = (state: ChatState.State) => state.entries.flatMap((entry) => ChatLines.entry(state, entry))

describe("ChatEngine: unreadable sessions", () => {
  it("restores a session whose record cannot be read from its last good snapshot, and says which and where the record went", async () => {
    const { filename, sessions, spoil } = await sqlite()
    const storeFlags = `--db ${filename}`
    const first = await open({ sessions, sessionId: "trip", storeFlags })
    await first.submit("hello")
    await first.submit("/snapshot before")
    await first.submit("hello again")
    spoil("trip")

    const chat = await open({ sessions, sessionId: "trip", storeFlags })
    const shown = lines(chat.getState())
    expect(shown.slice(0, 3)).toEqual(["session trip: 2 earlier messages", "you: hello", "Greeter: Hello! Ask me about the weather."])
    expect(shown.slice(3)).toEqual([
      expect.stringMatching(/^session trip could not be read \(.+\);$/),
      `restored it from snapshot #1 "before" (version 1) as version 3.`,
      `The unreadable record (version 2) is kept in quarantine as entry #1; what it held after version 1 is only there. ` +
      `Inspect it with: baton sessions quarantine show trip 1 --user ana --db ${filename}`
    ])
    // The conversation goes on from the restored version.
    await chat.submit("hello once more")
    expect(chat.getState().failedTurns).toBe(0)
    const stored = await Effect.runPromise(sessions.load(Ids.sessionId("trip")))
    expect(stored._tag === "Some" && stored.value.version).toBe(4)
  })

  it("does not start in a session that cannot be read and has no good snapshot, and names the commands that can help", async () => {
    const { filename, sessions, spoil } = await sqlite()
    const first = await open({ sessions, sessionId: "lost" })
    await first.submit("hello")
    spoil("lost")
    const failed = await engine({ sessions, sessionId: "lost", storeFlags: `--db ${filename}` }).then(
      () => undefined,
      (error: unknown) => error
    )
    expect((failed as Error).name).toBe("(FiberFailure) SessionUnrecoverable")
    expect((failed as Error).message).toMatch(
      new RegExp(
        `^Session "lost" cannot be read \\(.+\\) and cannot be restored: it has no snapshots\\. ` +
          `Its record is kept in quarantine as entry #1\\. ` +
          `Inspect it with \`baton sessions quarantine show lost 1 --user ana --db ${filename}\`, ` +
          `or delete the session with \`baton sessions delete lost --user ana --db ${filename} --yes\`\\.$`
      )
    )
  })

  it("/restore of an unreadable session restores its snapshot; without one it says so and the chat goes on", async () => {
    const { sessions, spoil } = await sqlite()
    const other = await open({ sessions, sessionId: "saved" })
    await other.submit("hello")
    await other.submit("/snapshot")
    spoil("saved")
    const bare = await open({ sessions, sessionId: "bare" })
    await bare.submit("hello")
    spoil("bare")

    const chat = await open({ sessions, sessionId: "here" })
    await chat.submit("/restore bare")
    expect(chat.getState().sessionId).toBe("here")
    expect(lines(chat.getState()).at(-1)).toMatch(
      /^error: Session "bare" cannot be read \(.+\) and cannot be restored: it has no snapshots\. .*`baton sessions delete bare --user ana --yes`\.$/
    )
    await chat.submit("/restore saved")
    expect(chat.getState().sessionId).toBe("saved")
    expect(lines(chat.getState())).toContain(`restored it from snapshot #1 "chat" (version 1) as version 2.`)
    await chat.submit("hello again")
    expect(chat.getState().failedTurns).toBe(0)
  })

  it("a turn that finds the record unreadable restores the snapshot and says the message was not saved", async () => {
    const { sessions, spoil } = await sqlite()
    const chat = await open({ sessions, sessionId: "trip" })
    await chat.submit("hello")
    await chat.submit("/snapshot")
    spoil("trip")
    await chat.submit("what is the weather like?")
    const state = chat.getState()
    expect(state.failedTurns).toBe(1)
    const shown = lines(state)
    expect(shown).toContain(`restored it from snapshot #1 "chat" (version 1) as version 2.`)
    expect(shown.slice(-2)).toEqual([
      expect.stringMatching(/^error: the turn failed: Session "trip" cannot be read/),
      "  your message was not saved — send it again: what is the weather like?"
    ])
    await chat.submit("what is the weather like?")
    expect(lines(chat.getState()).at(-1)).toMatch(/^Forecaster: Lisbon on/)
  })
})

describe("ChatEngine: reserved ids and failed turns", () => {
  it("does not start in a session id reserved for internal records, whoever asks", async () => {
    for (const userId of ["ana", "mallory"]) {
      const failed = await engine({ sessionId: "profile:ana", userId }).then(() => undefined, (error: unknown) => error)
      expect((failed as Error).name).toBe("(FiberFailure) InvalidTurn")
      expect((failed as Error).message).toBe(
        `Invalid turn: session "profile:ana" is reserved for Baton's internal records (a user's preference profile) ` +
          `and holds no conversation: choose another session`
      )
    }
  })

  it("counts the turns that failed, each shown with its message", async () => {
    const chat = await open({ sessions: SessionStore.makeMemory() })
    await chat.submit("please break")
    await chat.submit("hello")
    expect(chat.getState().failedTurns).toBe(1)
    expect(lines(chat.getState())).toContain("  your message was not saved — send it again: please break")
  })
})

describe("ChatEngine: the services panel", () => {
  it("shows each service's breaker state as the app's ServiceHealth reads it, from the first call on", async () => {
    const chat = await open({ sessions: SessionStore.makeMemory() })
    await chat.submit("what is the weather like?")
    expect(chat.getState().services.find((status) => status.name === "weather")).toMatchObject({ breaker: "closed" })
  })
})

describe("ChatEngine: Ctrl-C", () => {
  it("interrupts the turn under way: the message is kept, marked interrupted, no reply is made up, and the chat goes on", async () => {
    const sessions = SessionStore.makeMemory()
    const chat = await open({ sessions })
    expect(chat.interrupt()).toBe(false)
    expect(await chat.submit("/faults weather hang")).toBe("continue")
    const turn = chat.submit("what is the weather like?")
    await until(() => (chat.getState().busy ? true : undefined), () => lines(chat.getState()).join("\n"))
    expect(chat.interrupt()).toBe(true)
    expect(await turn).toBe("continue")
    expect(chat.getState()).toMatchObject({ busy: false, failedTurns: 0 })
    expect(lines(chat.getState())).toContain(ChatState.INTERRUPTED)
    const stored = Option.getOrThrow(await Effect.runPromise(sessions.load(Ids.sessionId("s1"))))
    expect(stored.context.history.map((message) => [message.role, message.content, Message.isInterrupted(message)])).toEqual([
      ["user", "what is the weather like?", true]
    ])
    // The next turn is an ordinary one.
    await chat.submit("/faults weather off")
    await chat.submit("hello")
    expect(chat.getState().entries.at(-1)).toMatchObject({ _tag: "Agent", text: "Hello! Ask me about the weather." })
    expect(chat.interrupt()).toBe(false)
  })
})

describe("the commands the chat suggests", () => {
  it("reach the chat's store and never repeat a Redis URL, which may hold a password", () => {
    expect(Chat.storeFlags({ store: "sqlite" })).toBe("")
    expect(Chat.storeFlags({ store: "sqlite", db: "/tmp/my chats.db" })).toBe("--db '/tmp/my chats.db'")
    expect(Chat.storeFlags({ store: "redis", redisUrl: "redis://:s3cret@10.0.0.1:6379" })).toBe("--store redis --redis-url <url>")
    expect(Chat.storeFlags({ store: "redis", redisNode: ["127.0.0.1:7000", "127.0.0.1:7001"] }))
      .toBe("--store redis --redis-node 127.0.0.1:7000 --redis-node 127.0.0.1:7001")
    expect(Recovery.commands("it's", "ana", "", 2)).toEqual({
      inspect: `baton sessions quarantine show 'it'\\''s' 2 --user ana`,
      delete: `baton sessions delete 'it'\\''s' --user ana --yes`
    })
  })
})
