/**
 * The Docker files: compose validates (with `docker compose` or Debian's
 * docker-compose) in both profiles, the fleet's compose file too, with
 * settings the server and the gateway have, and each image target runs
 * unprivileged with a health check. Building needs a Docker engine, which CI
 * lacks.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { endpointList } from '../lib/cli-options.ts';
import { entryArgs } from '../lib/compiled.ts';
import { nodeNameProblem } from '../lib/fleet/node-name.ts';
import { parseHostPort } from '../lib/listen.ts';
import { gatewayTakesEnv, SERVER_OPTIONS, yamlDocuments } from './support/deployment.ts';
import { ROOT } from './support/paths.ts';

const dockerDir = join(ROOT, 'docker');

/** `docker compose` where the plugin exists, else Debian's docker-compose. */
function compose(args: string[], env: NodeJS.ProcessEnv = {}, file = 'compose.yaml'): string {
  const plugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
  const [cmd, pre] = plugin ? ['docker', ['compose']] : ['docker-compose', []];
  return execFileSync(cmd, [...pre, '-f', file, ...args], {
    cwd: dockerDir,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

describe('docker', () => {
  it('compose.yaml validates, with VPP by default and with the simulator in profile sim', () => {
    compose(['config', '-q']);
    const withVpp = compose(['config']);
    assert.match(withVpp, /ligato\/vpp-base:26\.06/);
    const withSim = compose(['config'], { COMPOSE_PROFILES: 'sim' });
    assert.match(withSim, /target: sim/);
    for (const text of [withVpp, withSim]) {
      assert.match(text, /vpp-run:\/run\/vpp/);
      assert.match(text, /target: server/);
      assert.match(text, /target: gateway/);
      assert.match(text, /VPP_RPC_GRPC_TARGET: server:9111/);
      // the server's journal lives in a volume, not in the container
      assert.match(text, /vpp-rpc-state:\/var\/lib\/vpp-rpc/);
    }
  });

  it('compose.fleet.yaml validates: etcd, three nodes of a simulator and a server each, one fleet gateway', () => {
    compose(['config', '-q'], {}, 'compose.fleet.yaml');
    interface Service {
      image: string;
      build?: { target: string };
      command?: string[];
      environment?: Record<string, string>;
      volumes?: string[];
      depends_on?: Record<string, unknown>;
    }
    const { services } = yamlDocuments(compose(['config'], {}, 'compose.fleet.yaml'))[0] as {
      services: Record<string, Service>;
    };
    const etcdUrl = services.etcd!.command!.find((a) => a.startsWith('--advertise-client-urls='))!;
    const etcd = new URL(etcdUrl.slice(etcdUrl.indexOf('=') + 1));
    const servers = Object.keys(services).filter((s) => services[s]!.build?.target === 'server');
    assert.deepEqual(servers, ['server-a', 'server-b', 'server-c']);
    const names = new Set<string>();
    const volumes = new Set<string>();
    for (const name of servers) {
      const server = services[name]!;
      const env = server.environment!;
      for (const key of Object.keys(env)) assert.ok(SERVER_OPTIONS.env.has(key), `${name}: the server reads ${key}`);
      assert.equal(nodeNameProblem(env.VPP_RPC_NODE_NAME!), undefined);
      names.add(env.VPP_RPC_NODE_NAME!);
      assert.equal(env.VPP_RPC_JOURNAL, 'etcd');
      assert.deepEqual(endpointList(env.VPP_RPC_ETCD!), [`${etcd.hostname}:${etcd.port}`]);
      // others reach it by its service's name, on the ports the image listens on
      assert.deepEqual(parseHostPort(env.VPP_RPC_ADVERTISE!, name), { host: name, port: 9111 });
      assert.deepEqual(parseHostPort(env.VPP_RPC_ADVERTISE_METRICS!, name), { host: name, port: 9112 });
      // its VPP is its own simulator's: the volume of VPP's socket is theirs alone
      const sim = name.replace('server-', 'sim-');
      assert.equal(services[sim]!.build?.target, 'sim');
      const run = (s: Service): string => s.volumes!.find((v) => v.split(':')[1] === '/run/vpp')!.split(':')[0]!;
      assert.equal(run(server), run(services[sim]!));
      volumes.add(run(server));
      assert.ok(server.depends_on?.[sim], `${name} starts after ${sim}, which makes the volume`);
      assert.equal(env.VPP_API_SOCKET, '/run/vpp/api.sock');
    }
    assert.equal(names.size, 3, 'each node its own name');
    assert.equal(volumes.size, 3, "each node its own VPP's socket");
    const gateway = services.gateway!;
    assert.equal(gateway.build?.target, 'gateway');
    for (const key of Object.keys(gateway.environment!)) assert.ok(gatewayTakesEnv(key), `the gateway reads ${key}`);
    assert.deepEqual(endpointList(gateway.environment!.VPP_RPC_ETCD!), [`${etcd.hostname}:${etcd.port}`]);
  });

  it('every image target runs the compiled JavaScript as the unprivileged user and has a health check', async () => {
    const dockerfile = readFileSync(join(dockerDir, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    const stageNamed = (name: string): string | undefined =>
      stages.find((s) => s.split('\n')[0]!.endsWith(` AS ${name}`));
    const build = stageNamed('build')!;
    assert.match(build, /^RUN npm run build$/m);
    // the build caches the protos' index: they must be there when it runs
    assert.ok(
      build.indexOf('COPY proto ./proto') >= 0 &&
        build.indexOf('COPY proto ./proto') < build.indexOf('RUN npm run build'),
    );
    // the stats addon: compiled where the build tools are, its one file carried into the runtime
    const deps = stageNamed('deps')!;
    assert.match(deps, /apt-get install .*python3 make g\+\+/);
    assert.ok(
      deps.indexOf('COPY native ./native') >= 0 && deps.indexOf('COPY native ./native') < deps.indexOf('npm install'),
    );
    const base = stageNamed('base')!;
    assert.match(
      base,
      /^COPY --from=deps \/app\/native\/statseg\/build\/Release\/statseg\.node \.\/native\/statseg\/build\/Release\/statseg\.node$/m,
    );
    assert.equal(
      join(ROOT, 'native/statseg/build/Release/statseg.node'),
      (await import('../vpp/stats/native.ts')).DEFAULT_ADDON_PATH,
    );
    assert.match(base, /^USER node$/m);
    assert.match(base, /^COPY --from=build \/app\/dist \.\/dist$/m);
    // the runtime has the production dependencies only: tsx is not among them
    assert.match(base, /^COPY --from=deps /m);
    assert.match(dockerfile, /npm install --omit=dev/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: object };
    assert.equal(Object.hasOwn(pkg.dependencies, 'tsx'), false);
    for (const target of ['server', 'gateway', 'sim']) {
      const stage = stages.find((s) => s.split('\n')[0] === `base AS ${target}`);
      assert.ok(stage, `stage ${target}`);
      assert.match(stage, /^HEALTHCHECK /m, target);
      assert.match(stage, /^CMD \["node", "dist\/[\w/-]+\.js"\]$/m, `${target} runs node dist/…`);
      assert.doesNotMatch(stage, /tsx/, target);
      for (const m of stage.matchAll(/"(dist\/[\w/-]+\.js)"/g))
        assert.ok(existsSync(join(ROOT, m[1]!.replace(/^dist\//, '').replace(/\.js$/, '.ts'))), m[1]);
    }
  });

  it('the server image health check answers for a running server', async () => {
    const { startStack } = await import('./support/stack.ts');
    const stack = await startStack({ gateway: false });
    try {
      const r = spawnSync(process.execPath, entryArgs('server/healthcheck.ts'), {
        env: { ...process.env, VPP_RPC_GRPC_LISTEN: `127.0.0.1:${stack.grpcPort}` },
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      await stack.stop();
    }
    const down = spawnSync(process.execPath, entryArgs('server/healthcheck.ts'), {
      env: { ...process.env, VPP_RPC_GRPC_LISTEN: '127.0.0.1:1' },
      timeout: 20_000,
    });
    assert.equal(down.status, 1);
  });
});
