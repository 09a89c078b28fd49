export { DEFAULT_EVENT_TYPES_TOPIC, EventTypeCatalog, type CatalogChange, type EventTypeCatalogOptions } from './catalog.js';
export { CatalogError, catalogErrorCodes, type CatalogErrorCode } from './errors.js';
export {
  changedImmutableFields,
  compatibilityLevels,
  eventModes,
  immutableFields,
  latestStateTopicNameOf,
  partitionKeyOf,
  subjectOf,
  topicNameOf,
  type CompatibilityLevel,
  type EventMode,
  type EventType,
  type EventTypeSpec,
  type PartitionKeyLookup,
  type TopicSettings,
} from './event-type.js';
export { ERROR_HEADERS, ROUTING_HEADERS } from './headers.js';
export { NamedLog, type NamedChange, type NamedLogOptions, type NamedRecord } from './named-log.js';
export {
  DEFAULT_RETRY_POLICY,
  SUBSCRIPTION_NAME,
  backoffMs,
  deadLetterTopicOf,
  destinationTopicOf,
  failureActions,
  orderings,
  type FailureAction,
  type FailurePolicy,
  type Ordering,
  type RetryPolicy,
  type Subscription,
  type SubscriptionSpec,
} from './subscription.js';
export { DEFAULT_SUBSCRIPTIONS_TOPIC, SubscriptionCatalog, type SubscriptionCatalogOptions, type SubscriptionChange } from './subscriptions.js';
