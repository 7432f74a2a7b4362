/**
 * @since 0.1.0
 */
export * as Errors from "./Errors.js"
export * as McpConfig from "./McpConfig.js"
export * as McpConnection from "./McpConnection.js"
export * as McpGateway from "./McpGateway.js"
export * as McpOrchestrator from "./McpOrchestrator.js"
export * as McpPool from "./McpPool.js"
export * as McpServices from "./McpServices.js"
export * as ServerAddress from "./ServerAddress.js"
export * as ToolCatalogue from "./ToolCatalogue.js"
