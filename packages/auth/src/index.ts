// @herald/auth: who is calling (API keys, the admin key, JWTs), what they may do, how fast.
export { generateAdminKey, generateApiKey, parseApiKeys, type ApiKeyEntry, type GenerateApiKeyOptions } from './api-keys.js';
export { Authenticator, type AuthenticatorOptions, type CredentialHeaders } from './authenticator.js';
export { authConfigSpec, createAuthenticator, type AuthConfig, type CreateAuthenticatorOptions } from './config.js';
export { AUTH_ERROR_CODES, AuthError, type AuthErrorCode, type AuthErrorOptions } from './errors.js';
export { canAdminister, canRead, canWrite, type EventTypeGrants } from './grants.js';
export { DEFAULT_JWT_ALGORITHMS, JWT_AUTH_TYPES, parseJwks, type JwtAuthType, type JwtOptions } from './jwt.js';
export { principalOf, requirePrincipal } from './middleware.js';
export { ADMIN_PRINCIPAL_ID, type Principal, type PrincipalKind } from './principal.js';
export { RateLimiter, type RateDecision, type RateLimiterOptions } from './rate-limiter.js';
