/**
 * prebuild-reconciler/testing: an in-memory world for tests, demos and simulations, and the
 * simulator built on it (simulate, compare, recommend).
 */

export { ManualClock } from "./adapters/memory/clock.js";
export { InMemoryStore, type InMemoryStoreOptions } from "./adapters/memory/store.js";
export type { BuildStatus, MemoryBuild, MemoryPreset, MemoryWorkspace } from "./adapters/memory/rows.js";
export { SimulatedProvisioner, type SimulatedProvisionerOptions } from "./adapters/memory/provisioner.js";
export {
  runStoreContract,
  type ContractPreset,
  type ContractRunner,
  type StoreContractOptions,
  type StoreContractSettings,
  type StoreContractSubject,
} from "./adapters/contract/store-contract.js";
export { simulate, type SimulateOptions } from "./simulation/engine.js";
export type { PresetReport, SimulationReport } from "./simulation/report.js";
export {
  resolveScenario,
  ScenarioValidationError,
  type BuildBehaviour,
  type RateDemand,
  type ResolvedDemand,
  type ResolvedPreset,
  type ResolvedScenario,
  type ScenarioDemand,
  type ScenarioPreset,
  type SimulationScenario,
  type TraceDemand,
} from "./simulation/scenario.js";
export { ClaimTraceError, formatClaimTrace, parseClaimTrace, type ClaimTrace, type TraceClaim } from "./simulation/trace.js";
export { compareScenarios, withTrace, type Comparison, type NamedScenario } from "./simulation/compare.js";
export { materializeDemand } from "./simulation/materialize.js";
export { recommendConfiguration, type PresetRecommendation, type Recommendation, type RecommendOptions } from "./simulation/recommend.js";
export { schedulesForCounts, type ScheduledCounts } from "./simulation/hour-of-week.js";
