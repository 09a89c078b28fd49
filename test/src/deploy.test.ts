// The deployment files, checked without Docker or a cluster. docker-compose.yml is validated
// against the Compose Specification's JSON schema (as shipped in the dclint package) and each
// Herald service's environment against that service's own config spec. k8s/ is rendered by
// kustomize (the kustomize binary, or the one built into kubectl), every object is validated
// against the Kubernetes OpenAPI schemas (as compiled in the kubernetes-models package), and the
// invariants the services rely on are checked: probes, resources, non-root, a grace period above
// the shutdown timeout, known settings that load, and the router's autoscaler capped at the
// partitions. Each check has a negative case: a broken file must fail it.
//
// One multi-stage Dockerfile builds every service's image (`--build-arg SERVICE=…`): the image
// per service that compose and k8s/ name.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Service } from 'kubernetes-models/v1';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { loadPublisherConfig, publisherConfigSpec } from '@herald/publisher';
import { loadReplayConfig, replayConfigSpec } from '@herald/replay';
import { loadRouterConfig, routerConfigSpec } from '@herald/router';
import { sharedConfigSpec, type serviceConfigPrefixes } from '@herald/runtime';
import { loadRegistryConfig, registryConfigSpec } from '@herald/schema-registry';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

type ServiceName = keyof typeof serviceConfigPrefixes;
type Env = Record<string, string>;
type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// A service's environment: every HERALD_* name must be one of its settings, and the whole must
// load through the service's own loader (values parse, settings that go together do).

const services: Record<ServiceName, { spec: Record<string, { env: string }>; load: (env: Env) => unknown }> = {
  'schema-registry': { spec: registryConfigSpec, load: loadRegistryConfig },
  publisher: { spec: publisherConfigSpec, load: loadPublisherConfig },
  router: { spec: routerConfigSpec, load: loadRouterConfig },
  replay: { spec: replayConfigSpec, load: loadReplayConfig },
};
const isServiceName = (name: unknown): name is ServiceName => typeof name === 'string' && Object.hasOwn(services, name);

function envProblems(service: ServiceName, env: Env): string[] {
  const known = new Set([...Object.values(sharedConfigSpec), ...Object.values(services[service].spec)].map((s) => s.env));
  const unknown = Object.keys(env)
    .filter((name) => !known.has(name))
    .map((name) => `${name} is not a setting of ${service}`);
  if (unknown.length > 0) return unknown;
  try {
    services[service].load(env);
    return [];
  } catch (err) {
    return [`${service}: ${(err as Error).message}`];
  }
}

// Stand-ins for what the deployment takes from its environment (compose) or from the Secret
// herald-secrets (k8s), in the formats the services expect.
const secretValues: Env = {
  HERALD_SIGNING_KEYS: JSON.stringify({ k1: Buffer.alloc(32, 7).toString('base64') }),
  HERALD_ADMIN_KEY: `hk_admin_${'s'.repeat(32)}`,
  HERALD_API_KEYS: '[]',
  HERALD_REPLAY_POSTGRES_URL: 'postgres://herald:secret@postgres.db.svc:5432/herald',
  HERALD_KAFKA_SASL_USERNAME: 'herald',
  HERALD_KAFKA_SASL_PASSWORD: 'secret',
};

// ---------------------------------------------------------------------------------------------
// docker-compose.yml

// Compose interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error},
// $VAR and $$ (a literal $), applied to values (not keys), as `docker compose config` does.
function interpolate(value: unknown, vars: Env): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare)!;
      const set = Object.hasOwn(vars, name);
      const usable = op?.startsWith(':') ? set && vars[name] !== '' : set;
      if (op?.endsWith('?') && !usable) throw new Error(`compose: required variable ${name} is missing: ${arg}`);
      if (op?.endsWith('-') && !usable) return interpolate(arg, vars) as string;
      return vars[name] ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, vars));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, vars)]));
  return value;
}

const composeText = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const composeVars: Env = { HERALD_SIGNING_KEYS: secretValues.HERALD_SIGNING_KEYS!, HERALD_ADMIN_KEY: secretValues.HERALD_ADMIN_KEY! };
const loadCompose = (vars: Env = composeVars) => interpolate(parseYaml(composeText), vars) as Json & { services: Record<string, Json> };

function composeValidator() {
  const schemaFile = path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as Json;
  // Draft-07, declared under an https:// id that Ajv does not know by that name.
  delete schema.$schema;
  // Unknown keywords stay errors; the schema leaves some types implicit, which Ajv's strictTypes
  // (a style rule for schema authors, not a validation rule) would refuse.
  const ajv = new Ajv({ allErrors: true, strictSchema: true, strictTypes: false, strictTuples: false });
  const validate = ajv.compile(schema);
  return (doc: unknown): string[] => (validate(doc) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`));
}
const validateCompose = composeValidator();

function composeEnv(service: Json): Env {
  const environment = service.environment ?? {};
  const entries = Array.isArray(environment)
    ? (environment as string[]).map((line) => [line.split('=', 1)[0]!, line.slice(line.indexOf('=') + 1)])
    : Object.entries(environment as Json).map(([k, v]) => [k, v === null ? '' : String(v)]);
  return Object.fromEntries(entries) as Env;
}

/** The Herald services of a compose file, by the SERVICE build argument of the shared Dockerfile. */
function heraldServices(compose: { services: Record<string, Json> }): [ServiceName, Json][] {
  return Object.values(compose.services).flatMap((s) => {
    const name = ((s.build as Json | undefined)?.args as Json | undefined)?.SERVICE;
    return isServiceName(name) ? [[name, s] as [ServiceName, Json]] : [];
  });
}

test('docker-compose.yml is valid against the Compose Specification schema', () => {
  assert.deepEqual(validateCompose(loadCompose()), []);
});

test('a compose file with a misspelt key fails the Compose schema', () => {
  const compose = loadCompose();
  const healthcheck = compose.services.kafka!.healthcheck as Json;
  healthcheck.tset = healthcheck.test;
  delete healthcheck.test;
  const problems = validateCompose(compose);
  assert.ok(problems.some((p) => p.includes('/services/kafka/healthcheck') && p.includes('tset')), problems.join('\n'));

  const typo = loadCompose();
  typo.services.publisher!.depends_on = { kafka: { condition: 'service_healty' } };
  assert.notDeepEqual(validateCompose(typo), []);
});

test('docker-compose.yml runs each service from the shared Dockerfile, after its dependencies are healthy', () => {
  const compose = loadCompose();
  const found = heraldServices(compose);
  assert.deepEqual(found.map(([name]) => name).sort(), Object.keys(services).sort());
  for (const [name, service] of found) {
    assert.ok(service.healthcheck, `${name} has a healthcheck`);
    const dependsOn = service.depends_on as Record<string, { condition: string }>;
    assert.equal(dependsOn.kafka?.condition, 'service_healthy', `${name} waits for a healthy Kafka`);
    for (const [dep, { condition }] of Object.entries(dependsOn)) {
      assert.ok(compose.services[dep]?.healthcheck, `${name} depends on ${dep}, which has a healthcheck`);
      assert.equal(condition, 'service_healthy', `${name} waits for ${dep} to be healthy`);
    }
  }
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2, 'the Dockerfile is multi-stage');
  const user = [...dockerfile.matchAll(/^USER (\S+)/gm)].at(-1)?.[1];
  assert.ok(user !== undefined && !/^(root|0)(:|$)/.test(user), `the runtime stage runs as a non-root user, not ${user}`);
});

test("every Herald service in docker-compose.yml gets only its own settings, and they load", () => {
  for (const [name, service] of heraldServices(loadCompose())) {
    assert.deepEqual(envProblems(name, composeEnv(service)), [], name);
  }
});

test('an unknown or malformed HERALD_ variable fails the environment check', () => {
  const [, publisher] = heraldServices(loadCompose()).find(([name]) => name === 'publisher')!;
  const env = composeEnv(publisher);
  assert.deepEqual(envProblems('publisher', { ...env, HERALD_PUBLISHER_PROT: '8080' }), ['HERALD_PUBLISHER_PROT is not a setting of publisher']);
  // Another service's setting is as unknown to the publisher as a typo.
  assert.deepEqual(envProblems('publisher', { ...env, HERALD_ROUTER_PORT: '8082' }), ['HERALD_ROUTER_PORT is not a setting of publisher']);
  const malformed = envProblems('publisher', { ...env, HERALD_PUBLISHER_PORT: 'eighty' });
  assert.equal(malformed.length, 1);
  assert.match(malformed[0]!, /HERALD_PUBLISHER_PORT/);
});

test('docker-compose.yml refuses to start without the secrets it needs', () => {
  assert.throws(() => loadCompose({}), /required variable HERALD_SIGNING_KEYS is missing/);
});

// ---------------------------------------------------------------------------------------------
// k8s/

const k8sDir = path.join(root, 'k8s');
const layouts = ['base', 'overlays/dev', 'overlays/prod'] as const;

/** kustomize on PATH, else the kustomize built into kubectl (`.ci/run` makes sure of one). */
const kustomize: string[] = (() => {
  if (spawnSync('kustomize', ['version'], { stdio: 'ignore' }).status === 0) return ['kustomize', 'build'];
  if (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0) return ['kubectl', 'kustomize'];
  throw new Error('neither kustomize nor kubectl is installed (.ci/run installs kustomize)');
})();

function render(dir: string): Json[] {
  const out = execFileSync(kustomize[0]!, [...kustomize.slice(1), dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as Json | null)
    .filter((doc): doc is Json => doc !== null);
}

/** Renders the base with a kustomize patch applied to it: a broken variant of the real thing. */
function renderPatched(patch: { target: Json; patch: string }): Json[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-k8s-'));
  try {
    const kustomization = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: [path.relative(dir, path.join(k8sDir, 'base'))],
      patches: [patch],
    };
    writeFileSync(path.join(dir, 'kustomization.yaml'), JSON.stringify(kustomization));
    return render(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The schema of each kind the manifests use; any other kind fails validation until added here.
const models: Record<string, { new (data: never): { validate(): void } }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

const describeObject = (o: Json) => `${String(o.kind)}/${String((o.metadata as Json | undefined)?.name)}`;

function schemaProblems(objects: Json[]): string[] {
  return objects.flatMap((o) => {
    const Model = models[`${String(o.apiVersion)}/${String(o.kind)}`];
    if (!Model) return [`${describeObject(o)}: no schema for ${String(o.apiVersion)} ${String(o.kind)}`];
    try {
      new Model(o as never).validate();
      return [];
    } catch (err) {
      return [`${describeObject(o)}: ${(err as Error).message}`];
    }
  });
}

interface Container {
  name: string;
  image?: string;
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } }[];
  livenessProbe?: { httpGet?: { path?: string; port?: string | number } };
  readinessProbe?: { httpGet?: { path?: string; port?: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}
interface DeploymentObject {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: { replicas?: number; template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } };
}

const byKind = (objects: Json[], kind: string) => objects.filter((o) => o.kind === kind);
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** A container's environment as the kubelet would give it, with stand-ins for Secret values. */
function containerEnv(container: Container, configMaps: Map<string, Env>, problems: string[], where: string): Env {
  const env: Env = {};
  for (const source of container.envFrom ?? []) {
    if (source.secretRef) problems.push(`${where}: envFrom a Secret hides which settings it sets; name each key with secretKeyRef`);
    if (source.configMapRef) {
      const data = configMaps.get(source.configMapRef.name);
      if (data) Object.assign(env, data);
      else problems.push(`${where}: ConfigMap ${source.configMapRef.name} is not in the manifests`);
    }
  }
  for (const item of container.env ?? []) {
    const secret = item.valueFrom?.secretKeyRef;
    if (secret) {
      if (secret.name !== 'herald-secrets') problems.push(`${where}: ${item.name} comes from Secret ${secret.name}, not herald-secrets`);
      const value = secretValues[secret.key];
      if (value === undefined) problems.push(`${where}: no stand-in for secret key ${secret.key} (add it to secretValues and k8s/README.md)`);
      else env[item.name] = value;
    } else if (item.value !== undefined) {
      env[item.name] = item.value;
    } else {
      problems.push(`${where}: ${item.name} has neither a value nor a secretKeyRef`);
    }
  }
  return env;
}

function invariantProblems(objects: Json[]): string[] {
  const problems: string[] = [];
  for (const o of objects) {
    const namespace = (o.metadata as Json).namespace;
    if (o.kind !== 'Namespace' && namespace !== 'herald') problems.push(`${describeObject(o)}: namespace ${String(namespace)}, not herald`);
  }
  if (byKind(objects, 'Secret').length > 0) problems.push('a Secret is in the manifests: secrets are created out of band (k8s/README.md)');
  const configMaps = new Map(byKind(objects, 'ConfigMap').map((c) => [(c.metadata as Json).name as string, (c.data ?? {}) as Env]));
  const deployments = byKind(objects, 'Deployment') as unknown as DeploymentObject[];
  const hpas = byKind(objects, 'HorizontalPodAutoscaler') as unknown as {
    metadata: { name: string; annotations?: Record<string, string> };
    spec: { scaleTargetRef: { kind: string; name: string }; minReplicas?: number; maxReplicas: number };
  }[];

  for (const d of deployments) {
    const where = `Deployment/${d.metadata.name}`;
    const service = d.spec.template.metadata?.labels?.['app.kubernetes.io/name'];
    if (!isServiceName(service)) {
      problems.push(`${where}: label app.kubernetes.io/name is ${String(service)}, not a Herald service`);
      continue;
    }
    const pod = d.spec.template.spec;
    const [container, ...others] = pod.containers;
    if (!container || others.length > 0) {
      problems.push(`${where}: expected one container`);
      continue;
    }
    if (!container.image || !/:[\w][\w.-]*$/.test(container.image)) problems.push(`${where}: image ${String(container.image)} has no tag`);
    if (container.livenessProbe?.httpGet?.path !== '/healthz') problems.push(`${where}: no liveness probe on /healthz`);
    if (container.readinessProbe?.httpGet?.path !== '/readyz') problems.push(`${where}: no readiness probe on /readyz`);
    if (!container.resources?.requests?.cpu || !container.resources.requests.memory) problems.push(`${where}: no cpu and memory requests`);
    if (!container.resources?.limits?.memory) problems.push(`${where}: no memory limit`);
    const nonRoot = container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
    const user = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
    if (nonRoot !== true) problems.push(`${where}: runAsNonRoot is not set`);
    // The image names its user (`node`), which the kubelet cannot check against runAsNonRoot.
    if (user === undefined || user === 0) problems.push(`${where}: runAsUser must be a non-zero uid`);

    const env = containerEnv(container, configMaps, problems, where);
    problems.push(...envProblems(service, env).map((p) => `${where}: ${p}`));

    // The port the service listens on is the one its probes and Service use.
    const portSetting = Object.values(services[service].spec).find((s) => s.env.endsWith('_PORT'))!.env;
    const http = container.ports?.find((p) => p.name === 'http');
    if (!http || String(http.containerPort) !== env[portSetting]) {
      problems.push(`${where}: containerPort http is ${String(http?.containerPort)}, ${portSetting} is ${String(env[portSetting])}`);
    }

    // SIGTERM comes after the preStop pause; the service then has HERALD_SHUTDOWN_TIMEOUT_MS.
    const shutdownMs = Number(env.HERALD_SHUTDOWN_TIMEOUT_MS ?? 25_000);
    const preStopS = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    if (grace <= preStopS + shutdownMs / 1000) {
      problems.push(`${where}: terminationGracePeriodSeconds ${grace} is not above the preStop ${preStopS} s plus HERALD_SHUTDOWN_TIMEOUT_MS ${shutdownMs} ms`);
    }

    const scaled = hpas.some((h) => h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === d.metadata.name);
    if (scaled && d.spec.replicas !== undefined) problems.push(`${where}: sets replicas although an autoscaler owns them`);
  }

  for (const h of hpas) {
    const where = `HorizontalPodAutoscaler/${h.metadata.name}`;
    if (!deployments.some((d) => d.metadata.name === h.spec.scaleTargetRef.name)) problems.push(`${where}: scales ${h.spec.scaleTargetRef.name}, which is not here`);
    const partitions = Number(h.metadata.annotations?.['herald.io/input-partitions']);
    if (!Number.isInteger(partitions) || partitions < 1) problems.push(`${where}: annotation herald.io/input-partitions is missing`);
    else if (h.spec.maxReplicas > partitions) problems.push(`${where}: maxReplicas ${h.spec.maxReplicas} is above the ${partitions} input partitions`);
    if ((h.spec.minReplicas ?? 1) > h.spec.maxReplicas) problems.push(`${where}: minReplicas is above maxReplicas`);
  }

  for (const pdb of byKind(objects, 'PodDisruptionBudget') as unknown as { metadata: { name: string }; spec: { minAvailable?: number | string; selector: { matchLabels?: Record<string, string> } } }[]) {
    const where = `PodDisruptionBudget/${pdb.metadata.name}`;
    const target = deployments.find((d) => matches(pdb.spec.selector.matchLabels, d.spec.template.metadata?.labels));
    if (!target) {
      problems.push(`${where}: selects no Deployment`);
      continue;
    }
    // A budget that needs every replica up blocks every node drain.
    const hpa = hpas.find((h) => h.spec.scaleTargetRef.name === target.metadata.name);
    const fewest = hpa ? (hpa.spec.minReplicas ?? 1) : (target.spec.replicas ?? 1);
    if (typeof pdb.spec.minAvailable === 'number' && pdb.spec.minAvailable >= fewest) problems.push(`${where}: minAvailable ${pdb.spec.minAvailable} leaves no disruption with ${fewest} replicas`);
  }

  for (const s of byKind(objects, 'Service') as unknown as { metadata: { name: string }; spec: { selector?: Record<string, string>; ports: { targetPort?: string | number }[] } }[]) {
    const target = deployments.find((d) => matches(s.spec.selector, d.spec.template.metadata?.labels));
    if (!target) problems.push(`Service/${s.metadata.name}: selects no Deployment`);
    else if (s.spec.ports.some((p) => !target.spec.template.spec.containers[0]?.ports?.some((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort))) {
      problems.push(`Service/${s.metadata.name}: a targetPort is not a port of ${target.metadata.name}`);
    }
  }
  return problems;
}

const rendered = new Map(layouts.map((layout) => [layout, render(path.join(k8sDir, layout))]));
const configOf = (layout: (typeof layouts)[number], prefix: string) => {
  const map = rendered.get(layout)!.find((o) => o.kind === 'ConfigMap' && ((o.metadata as Json).name as string).startsWith(`${prefix}-`));
  return (map?.data ?? {}) as Env;
};

for (const layout of layouts) {
  test(`k8s/${layout} renders to objects valid against the Kubernetes schemas`, () => {
    const objects = rendered.get(layout)!;
    assert.ok(objects.length > 0);
    assert.deepEqual(schemaProblems(objects), []);
  });

  test(`k8s/${layout} keeps the services' invariants`, () => {
    const objects = rendered.get(layout)!;
    const kinds = new Set(objects.map((o) => o.kind));
    for (const kind of ['Deployment', 'Service', 'ConfigMap', 'PodDisruptionBudget']) assert.ok(kinds.has(kind), `${layout} has a ${kind}`);
    assert.equal(byKind(objects, 'Deployment').length, 4);
    assert.deepEqual(invariantProblems(objects), []);
  });
}

test('the overlays set what differs between a dev and a prod cluster', () => {
  for (const service of Object.keys(services)) {
    const prefix = `HERALD_${service.toUpperCase().replace('-', '_')}_TOPIC_REPLICATION_FACTOR`;
    assert.equal(configOf('overlays/dev', `herald-${service}`)[prefix], '1', `dev ${prefix}`);
    assert.equal(configOf('overlays/prod', `herald-${service}`)[prefix], '3', `prod ${prefix}`);
  }
  assert.equal(configOf('overlays/prod', 'herald-shared').HERALD_KAFKA_SSL, 'true');
  assert.ok(configOf('overlays/prod', 'herald-shared').HERALD_KAFKA_SASL_MECHANISM);
  const dev = rendered.get('overlays/dev')!;
  assert.deepEqual(byKind(dev, 'Deployment').map((d) => (d as unknown as DeploymentObject).spec.replicas), [1, 1, 1, 1]);
  assert.equal(byKind(dev, 'HorizontalPodAutoscaler').length, 0, 'dev runs one router, no autoscaler');
  const prod = rendered.get('overlays/prod')!;
  assert.equal(byKind(prod, 'HorizontalPodAutoscaler').length, 1);
  assert.ok(byKind(prod, 'PodDisruptionBudget').every((p) => typeof (p.spec as Json).minAvailable === 'number'));
});

test('a manifest of the wrong shape fails the Kubernetes schemas', () => {
  const objects = renderPatched({
    target: { kind: 'Deployment', name: 'herald-publisher' },
    patch: JSON.stringify([{ op: 'replace', path: '/spec/replicas', value: 'two' }]),
  });
  const problems = schemaProblems(objects);
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, /^Deployment\/herald-publisher: .*replicas must be integer/);

  const unknownKind = [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'herald-secrets', namespace: 'herald' } }];
  assert.match(schemaProblems(unknownKind).join(), /no schema for v1 Secret/);
});

test('manifests that break an invariant fail the checks', () => {
  const cases: { name: string; target: Json; ops: Json[]; expect: RegExp }[] = [
    { name: 'no image', target: { kind: 'Deployment', name: 'herald-router' }, ops: [{ op: 'remove', path: '/spec/template/spec/containers/0/image' }], expect: /herald-router: image undefined has no tag/ },
    {
      name: 'no readiness probe',
      target: { kind: 'Deployment', name: 'herald-replay' },
      ops: [{ op: 'remove', path: '/spec/template/spec/containers/0/readinessProbe' }],
      expect: /herald-replay: no readiness probe on \/readyz/,
    },
    {
      name: 'a grace period shorter than the shutdown',
      target: { kind: 'Deployment', name: 'herald-publisher' },
      ops: [{ op: 'replace', path: '/spec/template/spec/terminationGracePeriodSeconds', value: 30 }],
      expect: /herald-publisher: terminationGracePeriodSeconds 30 is not above/,
    },
    {
      name: 'root allowed',
      target: { kind: 'Deployment', name: 'herald-schema-registry' },
      ops: [{ op: 'replace', path: '/spec/template/spec/securityContext/runAsNonRoot', value: false }],
      expect: /herald-schema-registry: runAsNonRoot is not set/,
    },
    {
      name: 'more routers than partitions',
      target: { kind: 'HorizontalPodAutoscaler', name: 'herald-router' },
      ops: [{ op: 'replace', path: '/spec/maxReplicas', value: 12 }],
      expect: /maxReplicas 12 is above the 6 input partitions/,
    },
    {
      name: 'an unknown setting',
      target: { kind: 'ConfigMap', name: 'herald-publisher' },
      ops: [{ op: 'add', path: '/data/HERALD_PUBLISHER_PROT', value: '8080' }],
      expect: /herald-publisher: HERALD_PUBLISHER_PROT is not a setting of publisher/,
    },
    {
      name: 'a malformed setting',
      target: { kind: 'ConfigMap', name: 'herald-shared' },
      ops: [{ op: 'replace', path: '/data/HERALD_KAFKA_BROKERS', value: 'kafka-bootstrap.kafka.svc' }],
      expect: /HERALD_KAFKA_BROKERS/,
    },
  ];
  for (const c of cases) {
    const objects = renderPatched({ target: c.target, patch: JSON.stringify(c.ops) });
    assert.deepEqual(schemaProblems(objects), [], `${c.name}: still schema-valid`);
    const problems = invariantProblems(objects);
    assert.ok(problems.some((p) => c.expect.test(p)), `${c.name}: expected ${c.expect}, got:\n${problems.join('\n')}`);
  }
});
