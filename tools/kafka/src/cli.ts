#!/usr/bin/env -S node --import tsx
// herald-kafka: provision and run the local Kafka. `npm run kafka -- <command> [--cluster name]`.
import { parseArgs } from 'node:util';
import { LocalKafka, LocalKafkaError, clusterSpecs, installKafka, kafkaVersion, type ClusterName } from './local-kafka.js';

const usage = `usage: herald-kafka <command> [--cluster ${Object.keys(clusterSpecs).join('|')}]

commands:
  install   resolve the Kafka ${kafkaVersion()} jars from Maven Central (once; cached in .herald/kafka)
  start     start the cluster (formats storage on first start; reuses running nodes) and wait until ready
  stop      stop it (SIGTERM, then wait; SIGKILL after 30 s)
  status    show each node: pid, port, log file
  wipe      stop it and delete its data and logs

The default cluster is 'single' (localhost:9092). 'cluster' is 3 nodes on :19092-19094, 'test' is the
integration suite's broker on :39092.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { cluster: { type: 'string', short: 'c', default: 'single' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  if (!(values.cluster in clusterSpecs)) {
    console.error(`unknown cluster '${values.cluster}'; one of: ${Object.keys(clusterSpecs).join(', ')}`);
    return 2;
  }
  const kafka = new LocalKafka(values.cluster as ClusterName);
  switch (command) {
    case 'install':
      console.log(installKafka());
      return 0;
    case 'start': {
      const { reused } = await kafka.start();
      console.log(`${reused ? 'already running' : 'started'}: ${kafka.brokers.join(',')}`);
      return 0;
    }
    case 'stop':
      await kafka.stop();
      return 0;
    case 'status':
      for (const s of kafka.status()) {
        console.log(`node ${s.nodeId}  localhost:${s.port}  ${s.running ? `running (pid ${s.pid})` : 'stopped'}  ${s.logFile}`);
      }
      return 0;
    case 'wipe':
      await kafka.wipe();
      return 0;
    default:
      console.error(`unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof LocalKafkaError ? err.message : err);
    process.exit(1);
  },
);
