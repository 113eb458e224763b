/**
 * prebuild-reconciler/postgres: a Store over PostgreSQL (node-postgres), with its schema migrations.
 */

export {
  PostgresStore,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  CLAIM_EVENT_WINDOW_MS,
  CLAIM_EVENT_RETENTION_MS,
  type PostgresStoreOptions,
} from "./adapters/postgres/store.js";
export { migrate, listMigrations, type Migration } from "./adapters/postgres/migrate.js";
export { invalidatePreset, setReconciliationPaused, UnknownPresetError, type PauseTarget } from "./adapters/postgres/admin.js";
export { assertFencingToken, type FencingClient } from "./adapters/postgres/lock.js";
export { PostgresArgumentError, UnknownMigrationError, StaleFencingTokenError, ReconciliationLockLostError } from "./adapters/postgres/errors.js";
