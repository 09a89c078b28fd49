export {
  LocalKafka,
  LocalKafkaError,
  clusterSpecs,
  heraldHome,
  installKafka,
  javaExecutable,
  kafkaVersion,
  type ClusterName,
  type KafkaClusterSpec,
  type KafkaNode,
  type NodeStatus,
} from './local-kafka.js';
