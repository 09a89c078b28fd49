export { createApp, type PublisherAppDeps } from './app.js';
export { loadPublisherConfig, publisherConfigSpec, type PublisherConfig } from './config.js';
export { startPublisher, type RunningPublisher, type StartPublisherOptions } from './service.js';
export { publisherOpenApi } from './openapi.js';
export { DedupeWindow } from './dedupe.js';
