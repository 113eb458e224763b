/**
 * prebuild-reconciler/testing: an in-memory world for tests, demos and simulations.
 */

export { ManualClock } from "./adapters/memory/clock.js";
export {
  InMemoryStore,
  type BuildStatus,
  type InMemoryStoreOptions,
  type MemoryBuild,
  type MemoryPreset,
  type MemoryWorkspace,
} from "./adapters/memory/store.js";
export { SimulatedProvisioner, type SimulatedProvisionerOptions } from "./adapters/memory/provisioner.js";
export {
  runStoreContract,
  type ContractPreset,
  type ContractRunner,
  type StoreContractOptions,
  type StoreContractSettings,
  type StoreContractSubject,
} from "./adapters/contract/store-contract.js";
