/**
 * One VPP's configuration applied to another: `vpp-rpc journal export` on the
 * first, `vpp-rpc apply` into a second that already has interfaces of its
 * own, so that it numbers and names the new ones otherwise. The export's refs
 * make every later request name the right interface all the same.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { entryArgs } from '../lib/compiled.ts';
import { PROJECT_ROOT } from '../lib/project.ts';
import { post } from './support/http.ts';
import { dump, rest } from './support/journal.ts';
import { untilReady } from './support/ready.ts';
import { startStack, type Stack } from './support/stack.ts';

/** The `vpp-rpc` command, as users run it: its exit code and output. */
function vppRpc(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...entryArgs('cli/main.ts'), ...args], { cwd: PROJECT_ROOT });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const stacks: Stack[] = [];
const dir = mkdtempSync(join(tmpdir(), 'vpp-rpc-export-'));
after(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function stack(simArgs: string[] = []): Promise<Stack> {
  const s = await startStack({ simArgs });
  stacks.push(s);
  await untilReady(s);
  return s;
}

describe('journal export, applied to another VPP', () => {
  it('configures the same objects there, whatever numbers that VPP gives them', async () => {
    const a = await stack();
    const loops: number[] = [];
    for (let i = 0; i < 3; i++) loops.push((await rest(a, 'Interface/CreateLoopback')).sw_if_index as number);
    await rest(a, 'Interface/DeleteLoopback', { sw_if_index: loops[0] });
    const uplink = loops[2]!;
    await rest(a, 'Interface/SwInterfaceSetFlags', { sw_if_index: uplink, flags: ['IF_STATUS_API_FLAG_ADMIN_UP'] });
    await rest(a, 'Interface/SwInterfaceAddDelAddress', { sw_if_index: uplink, is_add: true, prefix: '192.0.2.1/24' });
    await rest(a, 'Ip/IpRouteAddDel', {
      is_add: true,
      route: { prefix: '198.51.100.0/24', paths: [{ sw_if_index: uplink, nh: { address: { ip4: '192.0.2.254' } } }] },
    });

    const exported = await vppRpc(['journal', 'export', '--server', a.grpcTarget]);
    assert.equal(exported.code, 0, exported.stderr);
    const lines = exported.stdout.trim().split('\n');
    assert.ok(
      lines.some((l) => JSON.parse(l).refs),
      'the export says which numbers come from which replies',
    );
    const file = join(dir, 'node-a.ndjson');
    writeFileSync(file, exported.stdout);

    // a VPP that already has five loopbacks of its own, through the CLI
    const b = await stack(['--interfaces', '5']);
    const applied = await vppRpc(['apply', file, '--server', b.grpcTarget]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stderr, new RegExp(`${lines.length} items: ${lines.length} ok, 0 failed`));
    await sameConfiguration(b);

    // another, through POST /batch
    const c = await stack(['--interfaces', '7']);
    const r = await post(`${c.rest}/batch`, exported.stdout, { 'content-type': 'application/x-ndjson' });
    assert.equal(r.status, 200);
    const answers = r.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { error?: unknown });
    assert.deepEqual(
      answers.filter((a) => a.error),
      [],
    );
    assert.equal(answers.length, lines.length);
    await sameConfiguration(c);
  });

  it('answers a line whose refs name a line that failed, or none, with why', async () => {
    const c = stacks.at(-1)!;
    const body = [
      { rpc: 'Interface/CreateLoopback', id: 'a', request: { mac_address: 'not a MAC' } },
      {
        rpc: 'Interface/SwInterfaceSetFlags',
        id: 'b',
        request: {},
        refs: [{ field: 'sw_if_index', item: 'a', reply_field: 'sw_if_index' }],
      },
      {
        rpc: 'Interface/SwInterfaceSetFlags',
        id: 'c',
        request: {},
        refs: [{ field: 'sw_if_index', item: 'nope', reply_field: 'sw_if_index' }],
      },
      { rpc: 'Interface/SwInterfaceSetFlags', id: 'd', request: {}, refs: 'sw_if_index' },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    const r = await post(`${c.rest}/batch`, body, { 'content-type': 'application/x-ndjson' });
    const answers = r.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; error: { code: number; message: string } });
    assert.deepEqual(
      answers.map((a) => [a.id, a.error.code]),
      [
        ['a', 3],
        ['b', 9],
        ['c', 9],
        ['d', 3],
      ],
    );
    assert.match(answers[1]!.error.message, /refs: line a was not answered with success/);
    assert.match(answers[3]!.error.message, /^refs: /);
  });

  /** The first stack's configuration on `b`: one loopback up, with the address and the route through it. */
  async function sameConfiguration(b: Stack): Promise<void> {
    const interfaces = await dump(b, 'Interface/SwInterfaceDump');
    const up = interfaces.filter((i) => (i.flags as string[]).includes('IF_STATUS_API_FLAG_ADMIN_UP'));
    assert.equal(up.length, 1);
    const target = up[0]!;
    assert.ok((target.sw_if_index as number) > 5, 'a new loopback, numbered by the second VPP');
    assert.deepEqual(
      (await dump(b, 'Ip/IpAddressDump', { sw_if_index: target.sw_if_index })).map((x) => x.prefix),
      ['192.0.2.1/24'],
    );
    const routes = await dump(b, 'Ip/IpRouteDump', { table: { table_id: 0 } });
    const route = routes.find((r) => (r.route as { prefix: string }).prefix === '198.51.100.0/24');
    assert.equal((route!.route as { paths: { sw_if_index: number }[] }).paths[0]!.sw_if_index, target.sw_if_index);
  }

  it('says which RPC the journal commands take, and asks before clearing', async () => {
    const a = stacks[0]!;
    const bad = await vppRpc(['journal', 'forget', '--server', a.grpcTarget]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /status, export, replay or clear/);
    const unsure = await vppRpc(['journal', 'clear', '--server', a.grpcTarget]);
    assert.equal(unsure.code, 2);
    assert.match(unsure.stderr, /Add --yes/);
    const status = await vppRpc(['journal', 'status', '--server', a.grpcTarget, '--compact']);
    assert.equal(JSON.parse(status.stdout).state, 'ready');
    const cleared = await vppRpc(['journal', 'clear', '--yes', '--server', a.grpcTarget, '--compact']);
    assert.ok(Number(JSON.parse(cleared.stdout).cleared) > 0);
    assert.equal((await vppRpc(['journal', 'export', '--server', a.grpcTarget])).stdout, '');
  });
});
