export { createKafka, kafkaLogCreator, type CreateKafkaOptions, type KafkaConnection } from './client.js';
export { FollowerStoppedError, TopicFollower, type FollowedRecord, type TopicFollowerOptions } from './follower.js';
export { kafkaReadinessCheck, type KafkaReadinessCheck } from './readiness.js';
export { TopicMismatchError, ensureTopic, waitForLeaders, type TopicSpec } from './topics.js';
export { ExclusiveWriter, LogWriteError, isFenced, type Decision, type ExclusiveWriterOptions, type LogRecord } from './exclusive-writer.js';
export { MetadataLog, type MetadataLogOptions } from './metadata-log.js';
export { kafkaProblem } from './problems.js';
