/**
 * Load runs against a Baton app: the engine (`LoadRun`, or `ClusterRun` over
 * worker processes sharing a Redis store), what it measures
 * (`Recorder`, `Histogram`), fault profiles, SLOs and the report with its
 * renderers (terminal table, JSON, a self-contained HTML page).
 *
 * @since 0.1.0
 */
export * as ClusterRun from "./ClusterRun.js"
export * as FaultProfile from "./FaultProfile.js"
export * as Histogram from "./Histogram.js"
export * as LoadRun from "./LoadRun.js"
export * as Recorder from "./Recorder.js"
export * as Report from "./Report.js"
export * as ReportHtml from "./ReportHtml.js"
export * as ReportText from "./ReportText.js"
export * as Slo from "./Slo.js"
export * as TurnOutcome from "./TurnOutcome.js"
