// @herald/router: routes events to subscription topics (see README.md and docs/router-api.md).
export { loadRouterConfig, routerConfigSpec, type RouterConfig } from './config.js';
export { startRouter, type RunningRouter, type StartRouterOptions } from './service.js';
export { ERROR_HEADERS, ROUTING_HEADERS } from './routing/headers.js';
