/**
 * A Redis Cluster of our own on loopback: six `redis-server` processes with
 * `cluster-enabled yes` on free ports, each in a folder of its own under one
 * temporary folder, joined by `redis-cli --cluster create … --cluster-replicas 1`
 * into three masters with a replica each. It is ready when every node says
 * `cluster_state:ok`, knows all six, and every replica's link to its master
 * is up: readiness is asked, never waited for by the clock.
 *
 * Faults for chaos runs and tests: `failover` promotes a master's replica
 * with `CLUSTER FAILOVER` (a manual failover, which loses nothing), and
 * `killMaster` SIGKILLs a master and waits until the cluster has promoted
 * its replica (writes the master acknowledged but had not replicated yet
 * are lost, as Redis Cluster documents). Both say how long the master's
 * slots refused writes, measured by writing to them until the promoted
 * replica accepts. `crash` SIGKILLs a node without waiting. `restart` brings
 * a stopped node back; it rejoins as a replica.
 *
 * Settings, a password among them (`requirepass` and `masterauth`), are in
 * each node's configuration file (mode 0600), and redis-cli gets the
 * password through its environment (`REDISCLI_AUTH`): nothing secret is on
 * a command line. `dispose` (or the end of `scoped`'s scope) stops every
 * node and removes the folder; the nodes also stop when this process ends,
 * however it ends.
 *
 * @example
 * ```ts
 * import { RedisCluster } from "@baton/testkit"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const cluster = yield* RedisCluster.scoped({ password: "secret" })
 *   // cluster.url: "redis+cluster://:secret@127.0.0.1:<port>,127.0.0.1:<port>,…"
 *   const failover = yield* cluster.failover()
 *   return `${failover.from} → ${failover.to} in ${failover.ms} ms`
 * }))
 * ```
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import * as KeySlot from "./internal/keySlot.js"
import * as RedisCommand from "./internal/redisCommand.js"
import * as RedisProcess from "./internal/redisProcess.js"

/** @since 0.2.0 @category errors */
export class RedisClusterError extends Schema.TaggedError<RedisClusterError>("@baton/testkit/RedisClusterError")(
  "RedisClusterError",
  { reason: Schema.String }
) {
  override get message() {
    return `Redis Cluster: ${this.reason}`
  }
}

/** @since 0.2.0 @category models */
export interface Options {
  /** Require this password on every node (and between them). */
  readonly password?: string
  /** Keep an append-only file on every node, fsynced on every write. Default false. */
  readonly durable?: boolean
  /**
   * `cluster-node-timeout`: how long a node may be unreachable before it is
   * failed over. Default 2000 ms, so a killed master is replaced in seconds.
   */
  readonly nodeTimeoutMs?: number
  /** The redis-server binary. Default `$REDIS_SERVER`, else `/usr/bin/redis-server`. */
  readonly binary?: string
  /** How long readiness (start, failover, promotion) is waited for before failing. Default 60 s. */
  readonly readyTimeoutMs?: number
}

/** One node's process. @since 0.2.0 @category models */
export interface Node {
  readonly port: number
  readonly dir: string
  readonly running: () => boolean
  /** The server's pid, while it runs. */
  readonly pid: () => number | undefined
}

/** A node as the cluster sees it (`CLUSTER NODES`). @since 0.2.0 @category models */
export interface NodeView {
  readonly id: string
  readonly port: number
  readonly role: "master" | "replica"
  /** The master's id, for a replica. */
  readonly masterId: string | undefined
  /** Slot ranges served, inclusive, for a master. */
  readonly slots: ReadonlyArray<readonly [number, number]>
  /** The cluster marked it failed (`fail`) or suspects it (`fail?`). */
  readonly failing: boolean
}

/** A master replaced by its replica. @since 0.2.0 @category models */
export interface Failover {
  /** The old master's port. */
  readonly from: number
  /** The promoted replica's port. */
  readonly to: number
  /** From the fault until the replica said it was master and every running node said `cluster_state:ok`. */
  readonly ms: number
  /**
   * From the fault until the promoted replica accepted a write to one of
   * the old master's slots: how long those slots refused writes.
   *
   * @since 0.2.0
   */
  readonly writableMs: number
}

/** @since 0.2.0 @category models */
export interface RedisCluster {
  /** The six nodes, in the order they were created (the first three started as masters). */
  readonly nodes: ReadonlyArray<Node>
  /** `redis+cluster://[:password@]127.0.0.1:<port>,…` naming every node. */
  readonly url: string
  /** `127.0.0.1:<port>` of every node. */
  readonly seeds: ReadonlyArray<string>
  readonly dir: string
  /** The cluster's nodes as a running node sees them. */
  readonly topology: Effect.Effect<ReadonlyArray<NodeView>, RedisClusterError>
  /** The port of the master serving `key`'s slot. */
  readonly masterFor: (key: string) => Effect.Effect<number, RedisClusterError>
  /**
   * `CLUSTER FAILOVER` on a replica of the master on `port` (default: the
   * first master): waits until the replica says it is master and the
   * cluster is ok on every running node.
   */
  readonly failover: (port?: number) => Effect.Effect<Failover, RedisClusterError>
  /**
   * SIGKILLs the master on `port` (default: the first master) and waits
   * until the cluster has promoted its replica and is ok on every running
   * node. The killed node stays down until `restart`.
   */
  readonly killMaster: (port?: number) => Effect.Effect<Failover, RedisClusterError>
  /**
   * SIGKILLs the node on `port` and returns at once: the cluster notices
   * only after `nodeTimeoutMs`, and then fails a master over. Until then
   * the node's slots have no server. The node stays down until `restart`.
   */
  readonly crash: (port: number) => Effect.Effect<void, RedisClusterError>
  /** Starts a stopped node again on its port and folder, and waits until it rejoined and the cluster is ok. */
  readonly restart: (port: number) => Effect.Effect<void, RedisClusterError>
  /** Stops every node and removes the folder. */
  readonly dispose: Effect.Effect<void>
}

/** @since 0.2.0 @category constants */
export const NODES = 6

const SLOTS = KeySlot.SLOTS

/**
 * The slot of `key` (CRC16 of the key or of its `{hash tag}`, modulo
 * 16384), as every node computes it.
 *
 * @since 0.2.0 @category accessors
 */
export const slotOf: (key: string) => number = KeySlot.slotOf

/**
 * Whether the master `view` serves `slot`.
 *
 * @since 0.2.0 @category accessors
 */
export const serves = (view: NodeView, slot: number): boolean => view.slots.some(([from, to]) => slot >= from && slot <= to)

interface MutableNode {
  readonly port: number
  readonly busPort: number
  readonly dir: string
  running: RedisProcess.Running | undefined
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const configuration = (node: MutableNode, options: Options): ReadonlyArray<readonly [string, string]> => [
  ["port", String(node.port)],
  ["bind", "127.0.0.1"],
  ["cluster-enabled", "yes"],
  ["cluster-config-file", "nodes.conf"],
  ["cluster-port", String(node.busPort)],
  ["cluster-node-timeout", String(options.nodeTimeoutMs ?? 2_000)],
  ["save", ""],
  ...(options.durable === true
    ? [["appendonly", "yes"], ["appendfsync", "always"]] as const
    : [["appendonly", "no"]] as const),
  ["dir", node.dir],
  ["daemonize", "no"],
  ["loglevel", "warning"],
  ...(options.password === undefined ? [] : [["requirepass", options.password], ["masterauth", options.password]] as const)
]

/** The `CLUSTER NODES` reply as views. */
const parseNodes = (reply: RedisCommand.Reply): Array<NodeView> =>
  (typeof reply === "string" ? reply : "").split("\n").filter((line) => line.trim() !== "").map((line) => {
    const [id = "", address = "", flags = "", master = "-", , , , , ...slots] = line.trim().split(" ")
    const flagList = flags.split(",")
    return {
      id,
      port: Number(/:(\d+)@/.exec(address)?.[1] ?? NaN),
      role: flagList.includes("master") ? "master" as const : "replica" as const,
      masterId: master === "-" ? undefined : master,
      // Migrating and importing markers ("[…]") are not served ranges.
      slots: slots.filter((slot) => !slot.startsWith("[")).map((slot) => {
        const [from, to] = slot.split("-").map(Number)
        return [from!, to ?? from!] as const
      }),
      failing: flagList.includes("fail") || flagList.includes("fail?")
    }
  })

/**
 * Starts the cluster; remember to `dispose` it (or use `scoped`).
 *
 * @since 0.2.0 @category constructors
 */
export const start = (options: Options = {}): Effect.Effect<RedisCluster, RedisClusterError> =>
  Effect.tryPromise({
    try: () => startCluster(options),
    catch: (error) =>
      new RedisClusterError({
        reason: `did not start: ${error instanceof RedisClusterError ? error.reason : describe(error)} ` +
          "(set REDIS_SERVER and REDIS_CLI to the binaries if they are not /usr/bin/redis-server and the redis-cli beside it)"
      })
  })

/**
 * A cluster for the scope's lifetime.
 *
 * @since 0.2.0 @category constructors
 */
export const scoped = (options: Options = {}): Effect.Effect<RedisCluster, RedisClusterError, Scope.Scope> =>
  Effect.acquireRelease(start(options), (cluster) => cluster.dispose)

const startCluster = async (options: Options): Promise<RedisCluster> => {
  const binary = options.binary ?? process.env["REDIS_SERVER"] ?? "/usr/bin/redis-server"
  const cli = RedisProcess.cliBinary(binary)
  const password = options.password
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000
  const root = mkdtempSync(Path.join(tmpdir(), "baton-redis-cluster-"))
  const nodes: Array<MutableNode> = []
  const taken = new Set<number>()

  const ask = (port: number, args: ReadonlyArray<string>) => RedisCommand.command(port, args, { password })

  const freshPort = async () => {
    for (;;) {
      const port = await RedisProcess.freePort()
      if (!taken.has(port)) {
        taken.add(port)
        return port
      }
    }
  }

  const launch = (node: MutableNode) => {
    const configFile = RedisProcess.configPath(node.dir)
    RedisProcess.writeConfig(configFile, configuration(node, options))
    return RedisProcess.launch({ binary, port: node.port, configFile, password })
  }

  const stopAll = () => Promise.all(nodes.map(async (node) => {
    const running = node.running
    node.running = undefined
    if (running !== undefined) await RedisProcess.terminate(running)
  }))

  /** Polls `check` until it holds; fails with `what` after the readiness bound. */
  const until = async (what: string, check: () => Promise<boolean>) => {
    const deadline = Date.now() + readyTimeoutMs
    let last: unknown
    for (;;) {
      try {
        if (await check()) return
        last = undefined
      } catch (error) {
        last = error
      }
      if (Date.now() > deadline) {
        throw new RedisClusterError({
          reason: `${what} within ${readyTimeoutMs} ms${last === undefined ? "" : ` (${describe(last)})`}`
        })
      }
      await sleep(50)
    }
  }

  const running = () => nodes.filter((node) => node.running !== undefined)

  const topology = async (): Promise<Array<NodeView>> => {
    let failure: unknown = new Error("no node is running")
    for (const node of running()) {
      try {
        return parseNodes(await ask(node.port, ["CLUSTER", "NODES"]))
      } catch (error) {
        failure = error
      }
    }
    throw failure
  }

  const roleOf = async (port: number) => RedisCommand.fields(await ask(port, ["INFO", "replication"])).get("role")

  /**
   * Every running node says the cluster is ok and knows `known` nodes, and
   * sees no running node as failing (a restarted replica keeps its `fail`
   * flag on the other nodes until gossip clears it, though the cluster is
   * ok); every replica's link is up.
   */
  const healthy = async (known: number) => {
    const up = new Set(running().map((node) => node.port))
    for (const node of running()) {
      const info = RedisCommand.fields(await ask(node.port, ["CLUSTER", "INFO"]))
      if (info.get("cluster_state") !== "ok") return false
      if (Number(info.get("cluster_slots_ok")) !== SLOTS) return false
      if (Number(info.get("cluster_known_nodes")) !== known) return false
      const views = parseNodes(await ask(node.port, ["CLUSTER", "NODES"]))
      if (views.some((view) => view.failing && up.has(view.port))) return false
      const replication = RedisCommand.fields(await ask(node.port, ["INFO", "replication"]))
      if (replication.get("role") === "slave" && replication.get("master_link_status") !== "up") return false
    }
    return true
  }

  /**
   * Writes to a key of `master`'s first slot on `port` until it is accepted
   * (it answers MOVED while a replica, CLUSTERDOWN while the cluster is
   * down); the key expires by itself.
   */
  const writable = async (master: NodeView, port: number, started: number) => {
    const slot = master.slots[0]![0]
    let n = 0
    while (slotOf(`{probe-${n}}`) !== slot) n++
    const key = `baton-redis-cluster-probe:{probe-${n}}`
    await until(`the slots of the master on port ${master.port} did not take writes again`, async () =>
      (await ask(port, ["SET", key, "1", "PX", "1000"])) === "OK")
    return Date.now() - started
  }

  const masterPort = async (port: number | undefined) => {
    const views = await topology()
    const masters = views.filter((view) => view.role === "master" && !view.failing && view.slots.length > 0)
      .sort((a, b) => a.port - b.port)
    const master = port === undefined ? masters[0] : masters.find((view) => view.port === port)
    if (master === undefined) {
      throw new RedisClusterError({
        reason: `no serving master on port ${port}; the masters are on ${masters.map((view) => view.port).join(", ")}`
      })
    }
    const replica = views.find((view) => view.masterId === master.id && !view.failing &&
      nodes.some((node) => node.port === view.port && node.running !== undefined))
    if (replica === undefined) throw new RedisClusterError({ reason: `the master on port ${master.port} has no running replica` })
    return { master: master.port, replica: replica.port, view: master }
  }

  /**
   * The replica on `to` says it is master, every running node sees it
   * serving slots and sees `from` as a replica or failed (gossip reaches
   * the nodes one by one), and the cluster is ok everywhere.
   */
  const promoted = (from: number, to: number) => async () => {
    if ((await roleOf(to)) !== "master") return false
    for (const node of running()) {
      const views = parseNodes(await ask(node.port, ["CLUSTER", "NODES"]))
      const serving = views.some((view) => view.port === to && view.role === "master" && view.slots.length > 0)
      const replaced = views.some((view) => view.port === from && (view.role === "replica" || view.failing))
      if (!serving || !replaced) return false
    }
    return healthy(NODES)
  }

  const nodeOn = (port: number) => {
    const node = nodes.find((candidate) => candidate.port === port)
    if (node === undefined) throw new RedisClusterError({ reason: `no node on port ${port}` })
    return node
  }

  const sigkill = async (node: MutableNode) => {
    const killed = node.running
    if (killed === undefined) throw new RedisClusterError({ reason: `the node on port ${node.port} is not running` })
    process.kill(killed.pid, "SIGKILL")
    node.running = undefined
    // The guard shell notices nothing until its pipe closes: end it too.
    await RedisProcess.terminate(killed)
  }

  try {
    for (let i = 0; i < NODES; i++) {
      const dir = Path.join(root, `node-${i}`)
      mkdirSync(dir)
      // Another process may take a free port before the node binds it.
      for (let attempt = 0;; attempt++) {
        const node: MutableNode = { port: await freshPort(), busPort: await freshPort(), dir, running: undefined }
        try {
          node.running = await launch(node)
          nodes.push(node)
          break
        } catch (error) {
          if (attempt >= 4) throw error
        }
      }
    }
    await new Promise<void>((resolve, reject) =>
      execFile(
        cli,
        ["--cluster", "create", ...nodes.map((node) => `127.0.0.1:${node.port}`), "--cluster-replicas", "1", "--cluster-yes"],
        {
          env: { ...process.env, ...(password === undefined ? {} : { REDISCLI_AUTH: password }) },
          timeout: readyTimeoutMs,
          maxBuffer: 4 * 1024 * 1024
        },
        (error, stdout, stderr) => {
          if (error === null && !/\[ERR\]/.test(stdout)) return resolve()
          const why = `${stdout}\n${stderr}`.split("\n").filter((line) => /ERR|rror/.test(line)).slice(0, 3).join(" | ")
          reject(new Error(`redis-cli --cluster create failed: ${why || describe(error)}`))
        }
      )
    )
    await until("the cluster did not become ok on every node", () => healthy(NODES))
  } catch (error) {
    await stopAll()
    rmSync(root, { recursive: true, force: true })
    throw error
  }

  const attempt = <A>(what: string, f: () => Promise<A>) =>
    Effect.tryPromise({
      try: f,
      catch: (error) => (error instanceof RedisClusterError ? error : new RedisClusterError({ reason: `${what}: ${describe(error)}` }))
    })

  const urlHosts = nodes.map((node) => `127.0.0.1:${node.port}`)
  return {
    nodes: nodes.map((node) => ({
      port: node.port,
      dir: node.dir,
      running: () => node.running !== undefined,
      pid: () => node.running?.pid
    })),
    url: `redis+cluster://${password === undefined ? "" : `:${encodeURIComponent(password)}@`}${urlHosts.join(",")}`,
    seeds: urlHosts,
    dir: root,
    topology: attempt("cannot read the topology", topology),
    masterFor: (key) =>
      attempt(`cannot find the master of ${JSON.stringify(key)}`, async () => {
        const slot = slotOf(key)
        const master = (await topology()).find((view) => view.role === "master" && !view.failing && serves(view, slot))
        if (master === undefined) throw new RedisClusterError({ reason: `no master serves slot ${slot}` })
        return master.port
      }),
    failover: (port) =>
      attempt("the failover failed", async () => {
        const { master, replica, view } = await masterPort(port)
        const started = Date.now()
        await ask(replica, ["CLUSTER", "FAILOVER"])
        const writableMs = writable(view, replica, started)
        writableMs.catch(() => undefined) // awaited below, after the promotion
        await until(`the replica on port ${replica} did not take over from ${master}`, promoted(master, replica))
        return { from: master, to: replica, ms: Date.now() - started, writableMs: await writableMs }
      }),
    killMaster: (port) =>
      attempt("the master kill failed", async () => {
        const { master, replica, view } = await masterPort(port)
        const started = Date.now()
        await sigkill(nodeOn(master))
        const writableMs = writable(view, replica, started)
        writableMs.catch(() => undefined) // awaited below, after the promotion
        await until(`the cluster did not promote the replica on port ${replica} after the master on ${master} died`, promoted(master, replica))
        return { from: master, to: replica, ms: Date.now() - started, writableMs: await writableMs }
      }),
    crash: (port) => attempt(`the node on port ${port} could not be killed`, () => sigkill(nodeOn(port))),
    restart: (port) =>
      attempt(`the node on port ${port} did not start again`, async () => {
        const node = nodeOn(port)
        if (node.running === undefined) node.running = await launch(node)
        await until(`the node on port ${port} did not rejoin`, () => healthy(NODES))
      }),
    dispose: Effect.promise(async () => {
      await stopAll()
      rmSync(root, { recursive: true, force: true })
    })
  } satisfies RedisCluster
}
