// @herald/replay: replays retained history into topics, PostgreSQL tables and HTTP endpoints.
export { loadReplayConfig, replayConfigSpec, type ReplayConfig } from './config.js';
export { startReplay, type RunningReplay, type StartReplayOptions } from './service.js';
export { replayOpenApi, replayProblemCodes } from './openapi.js';
export { GroupRewinder, type RewindResult } from './groups.js';
export { HttpSink, HttpTargetError, cloudEventJson } from './sinks/http.js';
export { PostgresTable, PostgresTargetError } from './sinks/postgres.js';
export type { JobView, ReplayRequest } from './jobs/model.js';
