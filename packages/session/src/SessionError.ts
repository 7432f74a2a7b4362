/**
 * The errors of `@baton/session`. The stores implement core's `SessionStore`
 * port, so their errors are core's: this module names them together.
 *
 * @since 0.1.0
 */
import { Errors } from "@baton/core"

/** @since 0.1.0 @category errors */
export const SessionStoreError = Errors.SessionStoreError
/** @since 0.1.0 @category errors */
export type SessionStoreError = Errors.SessionStoreError
/** @since 0.1.0 @category errors */
export const SessionConflict = Errors.SessionConflict
/** @since 0.1.0 @category errors */
export type SessionConflict = Errors.SessionConflict
/** @since 0.1.0 @category errors */
export const SessionCorrupted = Errors.SessionCorrupted
/** @since 0.1.0 @category errors */
export type SessionCorrupted = Errors.SessionCorrupted
/** @since 0.1.0 @category errors */
export const SessionNotFound = Errors.SessionNotFound
/** @since 0.1.0 @category errors */
export type SessionNotFound = Errors.SessionNotFound
/** @since 0.1.0 @category errors */
export const SnapshotNotFound = Errors.SnapshotNotFound
/** @since 0.1.0 @category errors */
export type SnapshotNotFound = Errors.SnapshotNotFound
/** @since 0.1.0 @category errors */
export const LeaseHeld = Errors.LeaseHeld
/** @since 0.1.0 @category errors */
export type LeaseHeld = Errors.LeaseHeld
/** @since 0.1.0 @category errors */
export const LeaseLost = Errors.LeaseLost
/** @since 0.1.0 @category errors */
export type LeaseLost = Errors.LeaseLost
/** @since 0.2.0 @category errors */
export const QuarantinedRecordNotFound = Errors.QuarantinedRecordNotFound
/** @since 0.2.0 @category errors */
export type QuarantinedRecordNotFound = Errors.QuarantinedRecordNotFound

/**
 * Every error a session store or the invalidation bus can fail with.
 *
 * @since 0.1.0 @category errors
 */
export type SessionError =
  | SessionStoreError
  | SessionConflict
  | SessionCorrupted
  | SessionNotFound
  | SnapshotNotFound
  | LeaseHeld
  | LeaseLost
  | QuarantinedRecordNotFound
