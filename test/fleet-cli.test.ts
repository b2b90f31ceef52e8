/**
 * The `vpp-rpc` command in front of a fleet, as users run it: `nodes` lists
 * what the fleet gateway knows, `--node` sends `call` (through the gateway)
 * and `apply` and `journal` (to the node's server) to the node it names, and a
 * node that is unknown or not ready is one line on stderr and exit code 1.
 * Two nodes, each a simulator and its server, behind a `--nodes` gateway.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { entryArgs } from '../lib/compiled.ts';
import { PROJECT_ROOT } from '../lib/project.ts';
import { freePort } from './support/etcd.ts';
import { post } from './support/http.ts';
import { nodesOf, startFleet, untilFleetReady, type Fleet } from './support/fleet.ts';
import { waitFor } from './support/observe.ts';

/** A command that runs longer than this hangs. */
const HANG_MS = 60_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The `vpp-rpc` command with the fleet's gateway in VPP_RPC_GATEWAY; killed if it hangs. */
function vppRpc(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...entryArgs('cli/main.ts'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
    });
    const guard = setTimeout(() => p.kill('SIGKILL'), HANG_MS);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A failure as users must see it: exit 1 and one line on stderr, no stack. */
function assertOneLineError(r: Run, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr.trimEnd(), pattern);
}

describe('vpp-rpc in front of a fleet', { timeout: 600_000 }, () => {
  let fleet: Fleet;
  let env: NodeJS.ProcessEnv;
  const dir = mkdtempSync(join(tmpdir(), 'vpp-rpc-fleet-cli-'));
  const cli = (args: string[]): Promise<Run> => vppRpc(args, env);
  // what a node holds, read straight from the gateway: the CLI is what is under test
  const interfacesOn = async (node: string): Promise<number[]> => {
    const r = await post(`${fleet.rest}/Interface/SwInterfaceDump/request`, {}, { 'X-VPP-Node': node });
    assert.equal(r.status, 200, r.text);
    return (r.json as { sw_if_index: number }[]).map((i) => i.sw_if_index).sort();
  };
  const entriesOn = async (node: string): Promise<number> => {
    const r = await post(`${fleet.rest}/Journal/Status/request`, {}, { 'X-VPP-Node': node });
    assert.equal(r.status, 200, r.text);
    return Number((r.json as { entries?: string }).entries ?? 0);
  };

  before(async () => {
    fleet = await startFleet(['a', 'b']);
    env = { VPP_RPC_GATEWAY: fleet.rest };
    await untilFleetReady(fleet);
  });
  after(async () => {
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('nodes: a line per node with its state, gRPC address and VPP version; --json is the gateway’s list', async () => {
    const table = await cli(['nodes']);
    assert.equal(table.code, 0, table.stderr);
    const [head, ...rows] = table.stdout.trimEnd().split('\n');
    assert.deepEqual(head!.split(/\s+/), ['NAME', 'STATE', 'GRPC', 'VPP']);
    const known = await nodesOf(fleet);
    assert.deepEqual(
      rows.map((r) => r.split(/\s+/)),
      known.map((n) => [n.name, 'ready', fleet.nodes[n.name]!.grpcTarget, n.vpp_version]),
    );
    const json = await cli(['nodes', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { nodes: known });
  });

  it('call --node: through the gateway to that node; a loopback made on b is in b only', async () => {
    const version = await cli(['--compact', 'call', 'show_version', '--node', 'a']);
    assert.equal(version.code, 0, version.stderr);
    assert.equal((JSON.parse(version.stdout) as { program: string }).program, 'vpe');
    const onA = await interfacesOn('a');
    const made = await cli(['--compact', 'call', 'create_loopback', '{}', '--node', 'b']);
    assert.equal(made.code, 0, made.stderr);
    const loopback = (JSON.parse(made.stdout) as { sw_if_index: number }).sw_if_index;
    assert.ok((await interfacesOn('b')).includes(loopback));
    assert.deepEqual(await interfacesOn('a'), onA);
    // a dump as NDJSON: one object per line
    const lines = await cli(['call', 'sw_interface_dump', '--ndjson', '--node', 'b']);
    assert.equal(lines.code, 0, lines.stderr);
    const indexes = lines.stdout
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { sw_if_index: number }).sw_if_index);
    assert.ok(indexes.includes(loopback));
    // the write went through b's server: its journal kept it
    const status = await cli(['--compact', 'journal', 'status', '--node', 'b']);
    assert.equal(status.code, 0, status.stderr);
    assert.ok(Number((JSON.parse(status.stdout) as { entries: string }).entries) >= 1, status.stdout);
  });

  it("apply --node and journal --node: to the node's own server", async () => {
    const file = join(dir, 'loopbacks.ndjson');
    writeFileSync(file, '{"rpc": "Interface/CreateLoopback", "id": 1, "request": {}}\n');
    const [a, b] = [await entriesOn('a'), await entriesOn('b')];
    const onA = await interfacesOn('a');
    const applied = await cli(['apply', file, '--node', 'a', '--replies']);
    assert.equal(applied.code, 0, applied.stderr);
    const made = (JSON.parse(applied.stdout.split('\n')[0]!) as { reply: { sw_if_index: number } }).reply.sw_if_index;
    assert.deepEqual(await interfacesOn('a'), [...onA, made].sort());
    assert.equal(await entriesOn('a'), a + 1);
    assert.equal(await entriesOn('b'), b);
    const exported = await cli(['journal', 'export', '--node', 'a']);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /"rpc":"Interface\/CreateLoopback"/);
  });

  it('a node the fleet does not have: one line, exit 1, for call, apply and journal', async () => {
    const file = join(dir, 'version.ndjson');
    writeFileSync(file, '{"rpc": "Vpe/ShowVersion"}\n');
    assertOneLineError(
      await cli(['call', 'show_version', '--node', 'zz']),
      /^vpp-rpc: no node zz: the fleet has a, b$/,
    );
    for (const args of [
      ['apply', file, '--node', 'zz'],
      ['journal', 'status', '--node', 'zz'],
    ])
      assertOneLineError(
        await cli(args),
        /^vpp-rpc: no node zz in the fleet at http:\/\/127\.0\.0\.1:\d+: it has a, b$/,
      );
    // --node finds the server: --server with it is a contradiction
    const both = await cli(['journal', 'status', '--node', 'a', '--server', fleet.nodes.a!.grpcTarget]);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /--node and --server/);
  });

  it('a gateway that cannot be reached, or a --gateway that is no http URL: one line, exit 1', async () => {
    // a port nothing listens on
    const port = await freePort();
    const down = await vppRpc(['nodes'], { VPP_RPC_GATEWAY: `http://127.0.0.1:${port}` });
    assertOneLineError(
      down,
      new RegExp(`^vpp-rpc: cannot reach the fleet gateway at http://127\\.0\\.0\\.1:${port}: ECONNREFUSED$`),
    );
    const bad = await vppRpc(['call', 'show_version', '--node', 'a'], { VPP_RPC_GATEWAY: 'localhost:9191' });
    assertOneLineError(bad, /^vpp-rpc: --gateway: "localhost:9191" is not an http:\/\/ or https:\/\/ URL$/);
  });

  // last: it takes node b's VPP away
  it('a node that is not ready: one line saying why, exit 1', async () => {
    await fleet.nodes.b!.sim!.stop();
    await waitFor(
      'node b not ready',
      async () => (await nodesOf(fleet)).find((n) => n.name === 'b')?.state !== 'ready',
    );
    assertOneLineError(await cli(['call', 'show_version', '--node', 'b']), /^vpp-rpc: node b is not ready: /);
    assertOneLineError(await cli(['journal', 'status', '--node', 'b']), /^vpp-rpc: node b is not ready: /);
    const table = await cli(['nodes']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^b\s+(?!ready)\S+\s/m);
    assert.match(table.stdout, /^a\s+ready\s/m);
  });
});
