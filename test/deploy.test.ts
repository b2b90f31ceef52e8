/**
 * deploy/kubernetes/, read as Kubernetes would take it (no cluster here):
 * every flag and environment variable a container is given is one the server
 * or the gateway has, and parses; images, commands and ports agree with
 * docker/Dockerfile; the server and VPP share VPP's socket; the server's node
 * name and address come from the downward API; Prometheus finds the nodes
 * through the gateway's /nodes/targets.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gatewayCommand, parseGatewayConfig } from '../gateway/config.ts';
import { TARGETS_PATH } from '../gateway/fleet/routes.ts';
import { endpointList } from '../lib/cli-options.ts';
import { nodeNameProblem } from '../lib/fleet/node-name.ts';
import { parseHostPort } from '../lib/listen.ts';
import { serverCommand } from '../server/config.ts';
import { flagsOf, gatewayTakesEnv, gatewayTakesFlag, SERVER_OPTIONS, yamlDocuments } from './support/deployment.ts';
import { ROOT } from './support/paths.ts';

const dir = join(ROOT, 'deploy/kubernetes');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
  readinessProbe?: { httpGet?: { path: string; port: string }; exec?: { command: string[] } };
  livenessProbe?: { httpGet?: { path: string; port: string } };
}
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    selector?: Record<string, unknown>;
    ports?: { name: string; port: number; targetPort: string }[];
    template?: {
      metadata: { labels: Record<string, string> };
      spec: { containers: Container[]; volumes?: { name: string; emptyDir?: object; configMap?: { name: string } }[] };
    };
  };
}

const resources = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => yamlDocuments(readFileSync(join(dir, f), 'utf8')) as Resource[]);
const named = (kind: string, name: string): Resource => {
  const r = resources.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(r, `${kind} ${name}`);
  return r;
};
const containerOf = (r: Resource, name: string): Container => {
  const c = r.spec!.template!.spec.containers.find((x) => x.name === name);
  assert.ok(c, `container ${name} of ${r.metadata.name}`);
  return c;
};

const dockerfile = readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8');
/** The CMD of a Dockerfile target, as JSON. */
function cmdOf(target: string): string[] {
  const stage = dockerfile.split(/^FROM /m).find((s) => s.split('\n')[0] === `base AS ${target}`);
  assert.ok(stage, `Dockerfile target ${target}`);
  return JSON.parse(/^CMD (\[.*\])$/m.exec(stage)![1]!) as string[];
}

/** What a container's $(VAR) references become, as Kubernetes expands them from its env; the downward API's fields as examples. */
function expand(c: Container, text: string, examples: Record<string, string>): string {
  const defined = new Map<string, string>();
  for (const e of c.env ?? [])
    if (e.value !== undefined) defined.set(e.name, e.value);
    else if (e.valueFrom?.fieldRef) {
      const example = examples[e.valueFrom.fieldRef.fieldPath];
      assert.ok(example, `an example of ${e.valueFrom.fieldRef.fieldPath}`);
      defined.set(e.name, example);
    }
  return text.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_m, name: string) => {
    assert.ok(defined.has(name), `$(${name}) of container ${c.name} is defined in its env`);
    return defined.get(name)!;
  });
}

/** The product's own settings (environment variables) a container is given. */
const productEnv = (c: Container): EnvVar[] => (c.env ?? []).filter((e) => /^(VPP_|LOG_LEVEL$)/.test(e.name));

/** The value of a configMapKeyRef, from the ConfigMaps of deploy/kubernetes/. */
function configValue(ref: { name: string; key: string }): string {
  const value = named('ConfigMap', ref.name).data?.[ref.key];
  assert.ok(value, `ConfigMap ${ref.name} has ${ref.key}`);
  return value;
}

/** The container's environment as the process sees it (downward API fields as examples). */
function environmentOf(c: Container, examples: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of productEnv(c))
    out[e.name] =
      e.value !== undefined
        ? expand(c, e.value, examples)
        : e.valueFrom?.configMapKeyRef
          ? configValue(e.valueFrom.configMapKeyRef)
          : assert.fail(`env ${e.name}: a value or a ConfigMap key`);
  return out;
}

/** Runs `parse` with `env` set in process.env, as the container would; restores it after. */
function withEnv<T>(env: Record<string, string>, parse: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return parse();
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

const portNamed = (c: Container, name: string): number => {
  const p = c.ports?.find((x) => x.name === name);
  assert.ok(p, `port ${name} of ${c.name}`);
  return p.containerPort;
};
const portOfAddress = (address: string): number => parseHostPort(address, 'address').port;

const DOWNWARD = { 'spec.nodeName': 'worker-1.example', 'status.podIP': '10.244.1.7' };

describe('deploy/kubernetes', () => {
  it('is Kubernetes resources, each named once, every ConfigMap a pod refers to there', () => {
    assert.deepEqual(resources.map((r) => `${r.kind}/${r.metadata.name}`).sort(), [
      'ConfigMap/prometheus-vpp-rpc',
      'ConfigMap/vpp-rpc-etcd',
      'ConfigMap/vpp-startup',
      'DaemonSet/vpp-rpc-node',
      'Deployment/vpp-rpc-gateway',
      'Service/vpp-rpc',
    ]);
    for (const r of resources) {
      assert.match(r.apiVersion, /^(v1|apps\/v1)$/, r.metadata.name);
      for (const v of r.spec?.template?.spec.volumes ?? []) if (v.configMap) named('ConfigMap', v.configMap.name);
      for (const c of r.spec?.template?.spec.containers ?? [])
        for (const e of c.env ?? []) if (e.valueFrom?.configMapKeyRef) configValue(e.valueFrom.configMapKeyRef);
    }
    // etcd's endpoints are what --etcd takes
    assert.ok(endpointList(configValue({ name: 'vpp-rpc-etcd', key: 'endpoints' })).length > 0);
  });

  it("the node's server: flags and variables the server has, its name and address from the downward API", () => {
    const ds = named('DaemonSet', 'vpp-rpc-node');
    const server = containerOf(ds, 'server');
    assert.match(server.image, /^vpp-rpc-server(:|$)/);
    // args replace the image's CMD: the command must be the image's own
    assert.deepEqual(server.command, cmdOf('server'));
    for (const e of productEnv(server)) assert.ok(SERVER_OPTIONS.env.has(e.name), `the server reads ${e.name}`);
    const args = (server.args ?? []).map((a) => expand(server, a, DOWNWARD));
    const flags = flagsOf(args);
    for (const flag of flags.keys()) assert.ok(SERVER_OPTIONS.flags.has(flag), `the server has ${flag}`);
    const o = withEnv(environmentOf(server, DOWNWARD), () =>
      serverCommand().exitOverride().parse(args, { from: 'user' }).opts<Record<string, unknown>>(),
    );
    assert.equal(o.journal, 'etcd');
    assert.ok((o.etcd as string[]).length > 0);
    assert.equal(o.nodeName, DOWNWARD['spec.nodeName']);
    assert.equal(nodeNameProblem(o.nodeName as string), undefined);
    const fields = Object.fromEntries((server.env ?? []).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
    assert.ok(/\$\((\w+)\)/.test(server.args!.find((a) => a.startsWith('--node-name'))!));
    assert.equal(
      fields[/\$\((\w+)\)/.exec(server.args!.find((a) => a.startsWith('--node-name'))!)![1]!],
      'spec.nodeName',
    );
    assert.equal(
      fields[/\$\((\w+)\)/.exec(server.args!.find((a) => a.startsWith('--advertise='))!)![1]!],
      'status.podIP',
    );
    // ports: what it listens on, what it advertises, what the pod declares
    assert.equal(portOfAddress(o.listen as string), portNamed(server, 'grpc'));
    assert.equal(portOfAddress(o.metricsListen as string), portNamed(server, 'metrics'));
    assert.equal(o.advertise, `${DOWNWARD['status.podIP']}:${portNamed(server, 'grpc')}`);
    assert.equal(o.advertiseMetrics, `${DOWNWARD['status.podIP']}:${portNamed(server, 'metrics')}`);
    assert.deepEqual(server.readinessProbe?.exec?.command, ['node', 'dist/server/healthcheck.js']);
  });

  it("VPP and the server share VPP's sockets: the socket the server opens is the one startup.conf makes", () => {
    const ds = named('DaemonSet', 'vpp-rpc-node');
    const vpp = containerOf(ds, 'vpp');
    const server = containerOf(ds, 'server');
    const socket = flagsOf(server.args ?? []).get('--vpp-socket');
    assert.ok(socket);
    const mountOf = (c: Container): { name: string; mountPath: string } => {
      const m = c.volumeMounts?.find((v) => socket.startsWith(`${v.mountPath}/`));
      assert.ok(m, `${c.name} mounts the folder of ${socket}`);
      return m;
    };
    const [a, b] = [mountOf(vpp), mountOf(server)];
    assert.deepEqual(a, b);
    const volume = ds.spec!.template!.spec.volumes!.find((v) => v.name === a.name);
    assert.ok(volume?.emptyDir, 'an emptyDir of the pod');
    const startupMount = vpp.volumeMounts!.find((m) => vpp.command!.some((w) => w.startsWith(`${m.mountPath}/`)));
    assert.ok(startupMount, "VPP's startup.conf is mounted");
    const cm = ds.spec!.template!.spec.volumes!.find((v) => v.name === startupMount.name)!.configMap!;
    const conf = named('ConfigMap', cm.name).data!['startup.conf']!;
    assert.match(conf, new RegExp(`socksvr\\s*\\{\\s*socket-name ${socket.replaceAll('/', '\\/')}\\s*\\}`));
    assert.match(conf, /^\s*nodaemon$/m);
  });

  it('the gateway: flags and variables the gateway has, its ports and probes, its Service', () => {
    const gw = named('Deployment', 'vpp-rpc-gateway');
    const c = containerOf(gw, 'gateway');
    assert.match(c.image, /^vpp-rpc-gateway(:|$)/);
    assert.deepEqual(c.command, cmdOf('gateway'));
    for (const e of productEnv(c)) assert.ok(gatewayTakesEnv(e.name), `the gateway reads ${e.name}`);
    // it learns the nodes from etcd, from the same ConfigMap as the servers
    assert.deepEqual(
      c.env?.find((e) => e.name === 'VPP_RPC_ETCD')?.valueFrom?.configMapKeyRef,
      containerOf(named('DaemonSet', 'vpp-rpc-node'), 'server').env?.find((e) => e.name === 'VPP_RPC_ETCD')?.valueFrom
        ?.configMapKeyRef,
    );
    const args = c.args ?? [];
    for (const flag of flagsOf(args).keys()) assert.ok(gatewayTakesFlag(flag), `the gateway has ${flag}`);
    const cfg = withEnv(environmentOf(c, DOWNWARD), () => parseGatewayConfig(args, gatewayCommand().exitOverride()));
    assert.equal(portOfAddress(cfg.listen), portNamed(c, 'http'));
    assert.equal(portOfAddress(cfg.metricsListen), portNamed(c, 'metrics'));
    assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
    for (const probe of [c.readinessProbe, c.livenessProbe]) portNamed(c, probe!.httpGet!.port);
    const svc = named('Service', 'vpp-rpc');
    assert.deepEqual(svc.spec!.selector, gw.spec!.template!.metadata.labels);
    for (const p of svc.spec!.ports!) portNamed(c, p.targetPort);
  });

  it("Prometheus finds every node's /metrics through the gateway's /nodes/targets", () => {
    const scrape = yamlDocuments(named('ConfigMap', 'prometheus-vpp-rpc').data!['vpp-rpc.yaml']!)[0] as {
      scrape_configs: { job_name: string; http_sd_configs?: { url: string }[] }[];
    };
    const urls = scrape.scrape_configs.flatMap((j) => j.http_sd_configs ?? []).map((s) => new URL(s.url));
    assert.equal(urls.length, 1);
    const svc = named('Service', 'vpp-rpc');
    assert.equal(urls[0]!.hostname.split('.')[0], svc.metadata.name);
    assert.equal(Number(urls[0]!.port), svc.spec!.ports!.find((p) => p.name === 'http')!.port);
    assert.equal(urls[0]!.pathname, TARGETS_PATH);
  });
});
