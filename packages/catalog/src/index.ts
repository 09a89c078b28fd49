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
