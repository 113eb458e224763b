/**
 * prebuild-reconciler/postgres: a Store over PostgreSQL (node-postgres), with its schema migrations.
 */

export { PostgresStore, type PostgresStoreOptions } from "./adapters/postgres/store.js";
export { migrate, listMigrations, type Migration } from "./adapters/postgres/migrate.js";
export { invalidatePreset, setReconciliationPaused, UnknownPresetError, type PauseTarget } from "./adapters/postgres/admin.js";
