// Runs a real Apache Kafka in KRaft mode on this machine: jars resolved from Maven Central by
// ../pom.xml, one folder per node under .herald/kafka/<cluster>/, one detached JVM per node.
// Every node is a combined broker+controller with a static controller quorum, so the same code
// serves a single node and a 3-node cluster on one machine.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

const toolDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(toolDir, '..', '..');

/** Where local state lives: $HERALD_HOME, else the ignored `.herald/` folder of the checkout. */
export function heraldHome(): string {
  return process.env.HERALD_HOME ? resolve(process.env.HERALD_HOME) : join(repoRoot, '.herald');
}

export function kafkaVersion(): string {
  const pom = readFileSync(join(toolDir, 'pom.xml'), 'utf8');
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!match?.[1]) throw new Error(`no <kafka.version> in ${join(toolDir, 'pom.xml')}`);
  return match[1];
}

export interface KafkaNode {
  nodeId: number;
  /** Client (PLAINTEXT) port. */
  port: number;
  controllerPort: number;
}

export interface KafkaClusterSpec {
  /** Folder name under .herald/kafka/. */
  name: string;
  nodes: KafkaNode[];
  /** JVM heap per node. */
  heapMb: number;
  /** Extra broker settings, applied to every node. */
  config?: Record<string, string>;
}

/** The clusters the project uses. Ports are apart so that all three can run at once. */
export const clusterSpecs = {
  /** `npm start`: the local platform's broker, on ARCHITECTURE.md's default port. */
  single: { name: 'single', nodes: [{ nodeId: 1, port: 9092, controllerPort: 9093 }], heapMb: 1024 },
  /** The integration suite's broker, so tests never touch the developer's data. */
  test: { name: 'test', nodes: [{ nodeId: 1, port: 39092, controllerPort: 39093 }], heapMb: 1024 },
  /** Failure tests: three nodes, replication factor 3, min.insync.replicas 2. */
  cluster: {
    name: 'cluster',
    nodes: [1, 2, 3].map((nodeId) => ({ nodeId, port: 19091 + nodeId, controllerPort: 19191 + nodeId })),
    heapMb: 768,
  },
} satisfies Record<string, KafkaClusterSpec>;

export type ClusterName = keyof typeof clusterSpecs;

export class LocalKafkaError extends Error {
  override readonly name = 'LocalKafkaError';
}

function log(message: string): void {
  if (process.env.HERALD_KAFKA_QUIET !== '1') process.stderr.write(`[local-kafka] ${message}\n`);
}

/** Checks Java 17+ and returns the java executable to use. */
export function javaExecutable(): string {
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new LocalKafkaError(`cannot run '${java} -version': install Java 17 or newer (Kafka 4 brokers need it), or set JAVA_HOME`);
  }
  const match = /version "(\d+)/.exec(probe.stderr);
  const major = match?.[1] ? Number(match[1]) : 0;
  if (major < 17) throw new LocalKafkaError(`Kafka ${kafkaVersion()} needs Java 17 or newer; '${java}' is ${major || 'unknown'}`);
  return java;
}

/**
 * Resolves the Kafka jars with Maven into .herald/kafka/libs-<version>/ once; later calls reuse them.
 * Maven's own cache (~/.m2) makes a re-download after `wipe` cheap.
 */
export function installKafka(): string {
  const version = kafkaVersion();
  const libs = join(heraldHome(), 'kafka', `libs-${version}`);
  if (existsSync(join(libs, '.complete'))) return libs;
  log(`resolving Apache Kafka ${version} from Maven Central into ${libs}`);
  const staging = `${libs}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const mvn = spawnSync(
    'mvn',
    ['-B', '-q', '-f', join(toolDir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (mvn.error) throw new LocalKafkaError(`cannot run mvn (${mvn.error.message}): install Maven 3`);
  if (mvn.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new LocalKafkaError(`mvn could not resolve Kafka ${version}:\n${(mvn.stdout + mvn.stderr).slice(-4000)}`);
  }
  writeFileSync(join(staging, '.complete'), `${new Date().toISOString()}\n`);
  rmSync(libs, { recursive: true, force: true });
  renameSync(staging, libs);
  return libs;
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', () => done(false));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

export interface NodeStatus {
  nodeId: number;
  port: number;
  pid: number | null;
  running: boolean;
  logFile: string;
}

/** One local Kafka cluster (a single node is a cluster of one). */
export class LocalKafka {
  readonly spec: KafkaClusterSpec;
  readonly dir: string;

  constructor(spec: KafkaClusterSpec | ClusterName) {
    this.spec = typeof spec === 'string' ? clusterSpecs[spec] : spec;
    this.dir = join(heraldHome(), 'kafka', this.spec.name);
  }

  /** Bootstrap servers for clients, e.g. ['localhost:9092']. */
  get brokers(): string[] {
    return this.spec.nodes.map((n) => `localhost:${n.port}`);
  }

  private nodeDir(node: KafkaNode): string {
    return join(this.dir, `node-${node.nodeId}`);
  }

  private node(nodeId: number): KafkaNode {
    const node = this.spec.nodes.find((n) => n.nodeId === nodeId);
    if (!node) throw new LocalKafkaError(`cluster ${this.spec.name} has no node ${nodeId}`);
    return node;
  }

  private paths(node: KafkaNode) {
    const dir = this.nodeDir(node);
    return {
      dir,
      config: join(dir, 'server.properties'),
      data: join(dir, 'data'),
      log: join(dir, 'server.log'),
      pid: join(dir, 'kafka.pid'),
    };
  }

  /** The pid of this node's broker, if one of ours is running (checked against its command line). */
  private runningPid(node: KafkaNode): number | null {
    const p = this.paths(node);
    if (!existsSync(p.pid)) return null;
    const pid = Number(readFileSync(p.pid, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmdline.includes(p.config) ? pid : null;
    } catch {
      return null;
    }
  }

  status(): NodeStatus[] {
    return this.spec.nodes.map((node) => {
      const pid = this.runningPid(node);
      return { nodeId: node.nodeId, port: node.port, pid, running: pid !== null, logFile: this.paths(node).log };
    });
  }

  private clusterId(): string {
    const file = join(this.dir, 'cluster.id');
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    // Kafka cluster ids are 16 random bytes in URL-safe base64 without padding. Like Kafka's own
    // Uuid.randomUuid, refuse one starting with '-': the storage tool would read it as an option.
    let id = randomBytes(16).toString('base64url');
    while (id.startsWith('-')) id = randomBytes(16).toString('base64url');
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(file, `${id}\n`);
    return id;
  }

  private serverProperties(node: KafkaNode): string {
    const n = this.spec.nodes.length;
    const rf = Math.min(3, n);
    const minIsr = n >= 3 ? 2 : 1;
    const voters = this.spec.nodes.map((v) => `${v.nodeId}@localhost:${v.controllerPort}`).join(',');
    const settings: Record<string, string | number | boolean> = {
      'process.roles': 'broker,controller',
      'node.id': node.nodeId,
      'controller.quorum.voters': voters,
      listeners: `PLAINTEXT://localhost:${node.port},CONTROLLER://localhost:${node.controllerPort}`,
      'advertised.listeners': `PLAINTEXT://localhost:${node.port}`,
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'log.dirs': this.paths(node).data,
      // Sized for a 2-core machine: fewer threads and internal partitions start faster.
      'num.network.threads': 2,
      'num.io.threads': 4,
      'num.partitions': 1,
      'default.replication.factor': rf,
      'min.insync.replicas': minIsr,
      'offsets.topic.replication.factor': rf,
      'offsets.topic.num.partitions': 10,
      'transaction.state.log.replication.factor': rf,
      'transaction.state.log.min.isr': minIsr,
      'transaction.state.log.num.partitions': 10,
      'share.coordinator.state.topic.replication.factor': rf,
      'share.coordinator.state.topic.min.isr': minIsr,
      // The platform creates every topic it uses, with explicit settings.
      'auto.create.topics.enable': false,
      'unclean.leader.election.enable': false,
      // No reason to wait for more members locally: consumers join at once.
      'group.initial.rebalance.delay.ms': 0,
      ...this.spec.config,
    };
    return `# Written by tools/kafka (herald); regenerated at every start.\n${Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`;
  }

  private format(libs: string, java: string, node: KafkaNode): void {
    const p = this.paths(node);
    if (existsSync(join(p.data, 'meta.properties'))) return;
    const result = spawnSync(
      java,
      [`-Dlog4j2.configurationFile=${join(toolDir, 'log4j2.properties')}`, '-cp', `${libs}/*`, 'kafka.tools.StorageTool', 'format', '-t', this.clusterId(), '-c', p.config],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) {
      throw new LocalKafkaError(`formatting node ${node.nodeId} storage failed:\n${result.stdout}${result.stderr}`);
    }
  }

  private spawnNode(libs: string, java: string, node: KafkaNode): number {
    const p = this.paths(node);
    const out = openSync(p.log, 'a');
    const heap = `${this.spec.heapMb}m`;
    const child = spawn(
      java,
      [
        `-Xms${heap}`,
        `-Xmx${heap}`,
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:InitiatingHeapOccupancyPercent=35',
        '-XX:+ExplicitGCInvokesConcurrent',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${join(toolDir, 'log4j2.properties')}`,
        '-cp',
        `${libs}/*`,
        'kafka.Kafka',
        p.config,
      ],
      { detached: true, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    if (child.pid === undefined) throw new LocalKafkaError(`could not start java for node ${node.nodeId}`);
    child.unref();
    writeFileSync(p.pid, `${child.pid}\n`);
    return child.pid;
  }

  /**
   * Starts every node that is not running and waits until all brokers answer. Nodes already
   * running (started earlier by this tool) are reused, so a second start is harmless.
   * `fresh` stops the cluster and deletes its data first.
   */
  async start(options: { fresh?: boolean; timeoutMs?: number } = {}): Promise<{ reused: boolean }> {
    if (options.fresh) await this.wipe();
    const libs = installKafka();
    const java = javaExecutable();
    const stopped = this.spec.nodes.filter((n) => this.runningPid(n) === null);
    for (const node of stopped) {
      for (const port of [node.port, node.controllerPort]) {
        if (await portAnswers(port)) {
          throw new LocalKafkaError(
            `port ${port} (node ${node.nodeId} of cluster '${this.spec.name}') is taken by another process; stop it or free the port`,
          );
        }
      }
    }
    for (const node of stopped) {
      const p = this.paths(node);
      mkdirSync(p.dir, { recursive: true });
      writeFileSync(p.config, this.serverProperties(node));
      this.format(libs, java, node);
    }
    if (stopped.length > 0) log(`starting Kafka ${kafkaVersion()} '${this.spec.name}': ${stopped.map((n) => `node ${n.nodeId} on :${n.port}`).join(', ')}`);
    for (const node of stopped) this.spawnNode(libs, java, node);
    await this.waitReady(options.timeoutMs ?? 90_000);
    return { reused: stopped.length === 0 };
  }

  /** Starts one stopped node of the cluster again (after `kill`), and waits for the whole cluster. */
  async startNode(nodeId: number, timeoutMs = 90_000): Promise<void> {
    const node = this.node(nodeId);
    if (this.runningPid(node) !== null) return;
    this.spawnNode(installKafka(), javaExecutable(), node);
    await this.waitReady(timeoutMs);
  }

  /** Waits until every node's broker is registered and answers metadata requests. */
  async waitReady(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const kafka = new Kafka({
      clientId: 'herald-local-kafka',
      brokers: this.brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      retry: { retries: 0 },
    });
    let lastError = 'no answer yet';
    while (Date.now() < deadline) {
      for (const node of this.spec.nodes) {
        if (this.runningPid(node) === null) {
          throw new LocalKafkaError(`Kafka node ${node.nodeId} exited during start; last lines of ${this.paths(node).log}:\n${tail(this.paths(node).log)}`);
        }
      }
      const admin = kafka.admin();
      try {
        await admin.connect();
        const { brokers } = await admin.describeCluster();
        if (brokers.length === this.spec.nodes.length) return;
        lastError = `${brokers.length} of ${this.spec.nodes.length} brokers registered`;
      } catch (err) {
        lastError = (err as Error).message;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      await sleep(250);
    }
    throw new LocalKafkaError(`Kafka '${this.spec.name}' did not become ready within ${timeoutMs} ms (${lastError}); logs: ${this.status().map((s) => s.logFile).join(', ')}`);
  }

  /** Sends a signal to one node without waiting: SIGKILL simulates a crashed broker. */
  kill(nodeId: number, signal: NodeJS.Signals = 'SIGKILL'): void {
    const node = this.node(nodeId);
    const pid = this.runningPid(node);
    if (pid === null) throw new LocalKafkaError(`node ${nodeId} of '${this.spec.name}' is not running`);
    process.kill(pid, signal);
  }

  /** Stops one node: SIGTERM (controlled shutdown), SIGKILL if it has not exited in time. */
  async stopNode(nodeId: number, timeoutMs = 30_000): Promise<void> {
    const node = this.node(nodeId);
    const pid = this.runningPid(node);
    if (pid === null) return;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) {
      log(`node ${nodeId} did not stop within ${timeoutMs} ms; sending SIGKILL`);
      process.kill(pid, 'SIGKILL');
      while (isAlive(pid)) await sleep(50);
    }
    rmSync(this.paths(node).pid, { force: true });
  }

  /** Stops every node, in parallel; returns once all have exited. */
  async stop(): Promise<void> {
    const running = this.spec.nodes.filter((n) => this.runningPid(n) !== null);
    if (running.length > 0) log(`stopping Kafka '${this.spec.name}'`);
    await Promise.all(running.map((n) => this.stopNode(n.nodeId)));
  }

  /** Stops the cluster and deletes its data, config and logs (the jars stay). */
  async wipe(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
