/**
 * @since 0.1.0
 */
export * as AppLoader from "./AppLoader.js"
export * as BatonConfig from "./BatonConfig.js"
export * as Demo from "./commands/Demo.js"
export * as Io from "./Io.js"
export * as McpCall from "./commands/McpCall.js"
export * as McpList from "./commands/McpList.js"
export * as McpServers from "./McpServers.js"
export * as Program from "./Program.js"
export * as ScenarioPlayer from "./ScenarioPlayer.js"
export * as Style from "./Style.js"
export * as Table from "./Table.js"
export * as TerminalText from "./TerminalText.js"
export * as Transcript from "./Transcript.js"
