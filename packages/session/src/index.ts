/**
 * @since 0.1.0
 */
export * as History from "./History.js"
export * as InvalidationBus from "./InvalidationBus.js"
export * as Migrations from "./Migrations.js"
export * as PreferenceProfile from "./PreferenceProfile.js"
export * as RedisSessionStore from "./RedisSessionStore.js"
export * as SessionError from "./SessionError.js"
export * as SessionManager from "./SessionManager.js"
export * as SqliteSessionStore from "./SqliteSessionStore.js"
