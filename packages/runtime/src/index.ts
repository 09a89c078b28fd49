export { ConfigError, describeConfig, loadConfig, setting, type ConfigOf, type ConfigSpec, type LoadConfigOptions, type Setting } from './config.js';
export { createLogger, logLevels, type LogFields, type LogLevel, type Logger, type LoggerOptions } from './logger.js';
export { createMetrics, type ServiceMetrics } from './metrics.js';
export { HttpProblem, PROBLEM_CONTENT_TYPE, problemCodes, type ProblemCode, type ProblemOptions } from './problem.js';
export {
  createServiceApp,
  listen,
  notFoundHandler,
  problemHandler,
  requireJson,
  sendProblem,
  toProblem,
  type HttpServer,
  type ReadinessCheck,
  type ServiceApp,
  type ServiceAppOptions,
} from './http.js';
export { commonResponses, componentRef, fieldErrorSchema, headerRef, jsonRequestBody, jsonResponse, objectSchema, problemResponse, problemSchema, serviceOpenApi } from './openapi.js';
export type { CommonResponseName, Example, Header, JsonSchema, MediaType, OpenApiDocument, Operation, Parameter, PathItem, ProblemSchemaOptions, Reference, RequestBody, RequiredKeys, Response } from './openapi.js';
export type { SecurityRequirement, SecurityScheme, ServiceOpenApiOptions, SharedHeaderName, Tag } from './openapi.js';
export { childPointer, createSchemaValidators, dedupeValidationErrors, toValidationErrors, type ErrorObject, type SchemaValidators, type ValidateFunction, type ValidationError, type ValidationResult } from './request-validation.js';
export { runService, type RunServiceOptions, type RunningService } from './lifecycle.js';
export { authSettings, jwtAuthTypes, loadServiceConfig, serviceConfigPrefixes, sharedConfigSpec, type SharedConfig } from './shared-config.js';
