/**
 * @since 0.1.0
 */
export * as Errors from "./Errors.js"
export * as FaultSpec from "./FaultSpec.js"
export * as MockControl from "./MockControl.js"
export * as MockServer from "./MockServer.js"
export * as MockServerCommand from "./MockServerCommand.js"
export * as MockService from "./MockService.js"
export * as MockServices from "./MockServices.js"
export * as Prng from "./Prng.js"
export * as ScriptedService from "./ScriptedService.js"
