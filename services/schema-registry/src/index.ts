export { createApp, type RegistryAppDeps, type SchemaStore } from './app.js';
export { loadRegistryConfig, registryConfigSpec, type RegistryConfig } from './config.js';
export { REGISTRY_CONTENT_TYPE, RegistryError, registryErrorCodes } from './errors.js';
export { createRegistryMetrics, type RegistryMetrics } from './metrics.js';
export { RegistryState, type RegistryRecord } from './state.js';
export { RegistryStore, type RegistryStoreOptions } from './store.js';
export { compatibilityLevels, type CompatibilityLevel } from './compatibility.js';
