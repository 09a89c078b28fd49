import type { Admin, Kafka } from 'kafkajs';

/**
 * A /readyz check: Kafka answers a metadata request. Give it a client made with `probe: true`
 * (see createKafka), so that a dead cluster fails the check at once instead of after the retry
 * schedule, while one dead broker of several does not; concurrent probes share one request.
 */
export type KafkaReadinessCheck = (() => Promise<void>) & {
  /** Disconnects the probe's admin client (at shutdown). */
  close(): Promise<void>;
};

export function kafkaReadinessCheck(probeClient: Kafka): KafkaReadinessCheck {
  let admin: Admin | undefined;
  let inFlight: Promise<void> | undefined;
  const probe = async () => {
    admin ??= probeClient.admin({ retry: { retries: 0 } });
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
  const check = () => {
    inFlight ??= probe().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  return Object.assign(check, {
    async close() {
      await inFlight?.catch(() => undefined);
      await admin?.disconnect();
      admin = undefined;
    },
  });
}
