import type { Admin, Kafka } from 'kafkajs';

/**
 * A /readyz check: Kafka answers a metadata request. Uses its own admin client without retries,
 * so a dead cluster fails the check quickly instead of after kafkajs's retry schedule.
 */
export function kafkaReadinessCheck(kafka: Kafka): () => Promise<void> {
  let admin: Admin | undefined;
  return async () => {
    admin ??= kafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      await admin.describeCluster();
    } catch (err) {
      const failed = admin;
      admin = undefined;
      await failed.disconnect().catch(() => undefined);
      throw new Error(`Kafka is not reachable: ${(err as Error).message}`, { cause: err });
    }
  };
}
