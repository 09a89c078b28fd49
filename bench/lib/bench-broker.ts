// What every benchmark here starts first: its own single-node broker (fresh, wiped at the end)
// and the schema registry as its built bundle.
import { LocalKafka } from '@herald/local-kafka';
import { startServiceProcess, type ServiceProcess } from './service-process.js';
import type { Teardown } from './teardown.js';

export const benchKafkaSpec = { name: 'bench', nodes: [{ nodeId: 1, port: 39292, controllerPort: 39293 }], heapMb: 1024 };

export const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** The service's URL on the loopback address it listens on (its log says localhost). */
export function loopback(url: unknown): string {
  return String(url).replace('//localhost:', '//127.0.0.1:');
}

export interface BenchBroker {
  brokers: string[];
  brokerPid: number;
  registry: ServiceProcess;
  registryUrl: string;
}

export async function startBenchBroker(teardown: Teardown): Promise<BenchBroker> {
  const broker = new LocalKafka(benchKafkaSpec);
  teardown.add('Kafka (bench)', () => broker.wipe());
  await broker.start({ fresh: true });
  const brokerPid = broker.status()[0]?.pid;
  if (!brokerPid) throw new Error('the bench broker is not running after start');
  const brokers = broker.brokers;

  log('starting the schema registry (built bundle)');
  const registry = startServiceProcess(teardown, 'schema-registry', {
    HERALD_KAFKA_BROKERS: brokers.join(','),
    HERALD_SCHEMA_REGISTRY_PORT: '0',
    HERALD_SCHEMA_REGISTRY_HOST: '127.0.0.1',
    HERALD_SCHEMA_REGISTRY_TOPIC_REPLICATION_FACTOR: '1',
  });
  const registryUrl = loopback((await registry.waitForLog((l) => l.msg === 'schema registry listening')).url);
  return { brokers, brokerPid, registry, registryUrl };
}
