// Wires the real dependencies and serves; everything else lives in createApp and the store.
import { createKafka, kafkaReadinessCheck } from '@herald/kafka';
import { ConfigError, createLogger, createMetrics, listen, runService } from '@herald/runtime';
import { createApp } from './app.js';
import { loadRegistryConfig } from './config.js';
import { createRegistryMetrics } from './metrics.js';
import { RegistryStore } from './store.js';

let config;
try {
  config = loadRegistryConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`schema-registry: ${err.message}\n`);
  process.exit(2);
}
const logger = createLogger({ service: 'schema-registry', level: config.logLevel });

await runService({
  logger,
  shutdownTimeoutMs: config.shutdownTimeoutMs,
  async start() {
    const kafka = createKafka({ clientId: 'herald-schema-registry', connection: config, logger });
    const metrics = createMetrics({ service: 'schema-registry' });
    const registryMetrics = createRegistryMetrics(metrics.registry, () => store.state);
    const store = new RegistryStore({
      kafka,
      logger,
      metrics: registryMetrics,
      topic: config.topic,
      ...(config.replicationFactor > 0 ? { replicationFactor: config.replicationFactor } : {}),
      transactionalId: `herald-schema-registry-writer-${config.topic}`,
      defaultCompatibility: config.defaultCompatibility,
    });
    await store.start();
    const kafkaReadiness = kafkaReadinessCheck(createKafka({ clientId: 'herald-schema-registry-probe', connection: config, logger, probe: true }));
    const service = createApp({ store, logger, metrics, registryMetrics, kafkaReadiness, bodyLimit: config.bodyLimit });
    const server = await listen(service.app, { port: config.port, host: config.host });
    logger.info('schema registry listening', { url: `http://localhost:${server.port}`, topic: config.topic });
    return {
      async close() {
        service.setDraining();
        await server.close();
        await store.stop();
        await kafkaReadiness.close();
      },
    };
  },
});
