/**
 * The fault timelines a chaos run plays, by name. A step fires once a share
 * of the run's turns has been acknowledged (so it lands mid-run however
 * fast the machine is), after the previous step ended; the seed picks the
 * worker to kill and jitters when each step fires.
 *
 * The service faults are injected through the app's `BatonApp.FaultInjector`
 * into every worker's mock services. `service-crash` instead runs the
 * workers' services as child processes (`stdio`) and SIGKILLs one service's
 * processes: the MCP pool notices the closed pipe and starts the service
 * again. `all` uses the injected `crash` fault for its service crash, so its
 * workers keep their services in process and start fast.
 *
 * `cluster-failover` and `cluster-master-kill` run the workers on a Redis
 * Cluster of three masters with a replica each, and fail over the master
 * serving most of the run's sessions once every worker has acknowledged
 * turns: by hand (`CLUSTER FAILOVER` on its replica), or by SIGKILLing it.
 *
 * @since 0.1.0
 */
import * as Prng from "../Prng.js"

/** @since 0.1.0 @category models */
export type Action =
  /** SIGKILL a worker; the coordinator starts another in its slot. */
  | { readonly _tag: "KillWorker"; readonly slot: number }
  /** Stop redis-server, wait `downMs`, start it again on the same port with its append-only file. */
  | { readonly _tag: "RestartRedis"; readonly downMs: number }
  /** SIGKILL every process of the service (one per worker); the workers' MCP pools start it again. */
  | { readonly _tag: "KillService"; readonly service: string }
  /** Set `spec` on the services for `forMs`, then clear it. */
  | { readonly _tag: "Fault"; readonly services: ReadonlyArray<string>; readonly spec: string; readonly forMs: number }
  /**
   * `CLUSTER FAILOVER` on the replica of the master serving most of the
   * run's sessions (a Redis Cluster run). @since 0.2.0
   */
  | { readonly _tag: "FailoverMaster" }
  /**
   * SIGKILL the master serving most of the run's sessions; the cluster
   * promotes its replica (a Redis Cluster run). @since 0.2.0
   */
  | { readonly _tag: "KillMaster" }

/** @since 0.1.0 @category models */
export interface Step {
  /** The share of turns acknowledged (0..1) when the step fires. */
  readonly at: number
  readonly action: Action
}

/** @since 0.1.0 @category models */
export interface Profile {
  readonly name: string
  readonly description: string
  readonly steps: (context: { readonly seed: number; readonly workers: number }) => ReadonlyArray<Step>
  /** How the workers reach the app's services. Default `in-process`. */
  readonly transport?: "in-process" | "stdio"
  /**
   * What the workers share: one redis-server (default), or a Redis Cluster
   * of three masters with a replica each.
   *
   * @since 0.2.0
   */
  readonly store?: "redis" | "redis-cluster"
}

const jitter = (seed: number, name: string, at: number) => at + Prng.derive(seed, name, at).between(-0.03, 0.03)

const killWorker = (at: number): Profile["steps"] => ({ seed, workers }) => [
  { at: jitter(seed, "kill", at), action: { _tag: "KillWorker", slot: Prng.derive(seed, "slot", at).int(0, workers - 1) } }
]
const restartRedis = (at: number): Profile["steps"] => ({ seed }) => [
  { at: jitter(seed, "redis", at), action: { _tag: "RestartRedis", downMs: 1_500 } }
]
const fault = (at: number, services: ReadonlyArray<string>, spec: string, forMs: number): Profile["steps"] => ({ seed }) => [
  { at: jitter(seed, spec, at), action: { _tag: "Fault", services, spec: `${spec}#${seed}`, forMs } }
]

const workerCrash: Profile = {
  name: "worker-crash",
  description: "SIGKILL one worker mid-run; the coordinator starts another, which carries on its sessions from the store",
  steps: killWorker(0.3)
}
const redisRestart: Profile = {
  name: "redis-restart",
  description: "stop redis-server mid-run for 1.5 s and start it again on the same port (append-only file, fsync always)",
  steps: restartRedis(0.3)
}
const serviceCrash: Profile = {
  name: "service-crash",
  description: "SIGKILL the weather service's process in every worker (services run as stdio child processes); " +
    "the MCP pools start it again",
  steps: ({ seed }) => [{ at: jitter(seed, "service", 0.25), action: { _tag: "KillService", service: "weather" } }],
  transport: "stdio"
}
const serviceFlap: Profile = {
  name: "service-flap",
  description: "the flights service alternates 300 ms up / 300 ms down (`flap(300,300)`) for 3 s",
  steps: fault(0.25, ["flights"], "flap(300,300)", 3_000)
}
const latencySpike: Profile = {
  name: "latency-spike",
  description: "flights and accommodations answer 400 ms late (`latency:fixed(400)`) for 3 s",
  steps: fault(0.25, ["flights", "accommodations"], "latency:fixed(400)", 3_000)
}
const clusterFailover: Profile = {
  name: "cluster-failover",
  description: "on a Redis Cluster (3 masters, 3 replicas): CLUSTER FAILOVER on the replica of the master serving most " +
    "sessions, mid-run; the replica takes over its slots",
  steps: ({ seed }) => [{ at: jitter(seed, "failover", 0.3), action: { _tag: "FailoverMaster" } }],
  store: "redis-cluster"
}
const clusterMasterKill: Profile = {
  name: "cluster-master-kill",
  description: "on a Redis Cluster (3 masters, 3 replicas): SIGKILL the master serving most sessions, mid-run; " +
    "the cluster promotes its replica",
  steps: ({ seed }) => [{ at: jitter(seed, "master-kill", 0.3), action: { _tag: "KillMaster" } }],
  store: "redis-cluster"
}
const all: Profile = {
  name: "all",
  description: "every fault in turn: worker crash, service flap, Redis restart, service crash (the injected `crash` " +
    "fault: the connection closes as a dead process's would), latency spike",
  steps: (context) => [
    ...killWorker(0.15)(context),
    ...fault(0.3, ["flights"], "flap(300,300)", 2_000)(context),
    ...restartRedis(0.45)(context),
    ...fault(0.6, ["weather"], "crash", 2_000)(context),
    ...fault(0.75, ["flights", "accommodations"], "latency:fixed(400)", 2_000)(context)
  ]
}

/**
 * The shipped profiles, in the order `baton chaos --help` lists them.
 *
 * @since 0.1.0 @category constants
 */
export const profiles: ReadonlyArray<Profile> = [
  workerCrash,
  redisRestart,
  serviceCrash,
  serviceFlap,
  latencySpike,
  all,
  clusterFailover,
  clusterMasterKill
]

/** @since 0.1.0 @category constants */
export const names: ReadonlyArray<string> = profiles.map((profile) => profile.name)

/** @since 0.1.0 @category accessors */
export const find = (name: string): Profile | undefined => profiles.find((profile) => profile.name === name)

/**
 * A step in words, for the timeline.
 *
 * @since 0.1.0 @category accessors
 */
export const describeAction = (action: Action): string => {
  switch (action._tag) {
    case "KillWorker":
      return `SIGKILL worker ${action.slot}`
    case "RestartRedis":
      return `stop redis-server for ${action.downMs} ms`
    case "KillService":
      return `SIGKILL the ${action.service} service's processes`
    case "Fault":
      return `${action.services.join(", ")}: ${action.spec} for ${action.forMs} ms`
    case "FailoverMaster":
      return "CLUSTER FAILOVER of the busiest master"
    case "KillMaster":
      return "SIGKILL the busiest master"
  }
}
