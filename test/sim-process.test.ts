/** `npm run sim` as a process: where it says it listens, its control socket, its clean and unclean ends. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startChild, type Child } from '../lib/child.ts';
import { PROJECT_ROOT } from '../lib/project.ts';
import { RawVpp } from './support/raw-vpp.ts';
import { loadApi, tempSocket } from './support/sim-harness.ts';
import { startSim } from './support/stack.ts';

const { codec, model } = loadApi();
const children: Child[] = [];
after(() => Promise.all(children.map((c) => c.kill())));

async function control(path: string, command: object): Promise<Record<string, unknown>> {
  const socket = createConnection({ path });
  socket.write(`${JSON.stringify(command)}\n`);
  const line = (await createInterface({ input: socket })[Symbol.asyncIterator]().next()).value as string;
  socket.destroy();
  return JSON.parse(line) as Record<string, unknown>;
}

describe('npm run sim', () => {
  it('is the package script, run compiled', () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.equal(pkg.scripts.sim, 'node dist/vpp/sim/main.js');
    assert.equal(pkg.scripts.presim, 'make -s build');
  });

  it('says where it listens, takes its flags from the environment, obeys its control socket, cleans up on SIGTERM', async () => {
    const socket = tempSocket();
    const sim = await startChild({
      name: 'sim',
      entry: 'vpp/sim/main.ts',
      args: ['--socket', socket],
      env: { LOG_LEVEL: 'info', VPP_SIM_INTERFACES: '3' },
      readyMessage: 'VPP simulator listening',
    });
    children.push(sim);
    // the ready record comes over IPC, whatever the log level
    assert.deepEqual(
      { ...sim.ready },
      {
        socket,
        control: `${socket}.control`,
        stats: join(dirname(socket), 'stats.sock'),
        vpePid: sim.proc.pid,
        messages: model.messages.size,
        interfaces: 4,
        msg: 'VPP simulator listening',
      },
    );
    const vpp = await RawVpp.register(socket, codec);
    assert.equal((await vpp.dump('sw_interface_dump', {})).details.length, 4);
    const state = await control(`${socket}.control`, { cmd: 'state' });
    assert.equal((state.state as { clients: unknown[] }).clients.length, 1);
    assert.deepEqual(await control(`${socket}.control`, { cmd: 'restart' }), {
      ok: true,
      vpePid: sim.proc.pid! + 1,
      generation: 1,
    });
    await vpp.closed;
    assert.equal(await sim.stop(), 0);
    assert.equal(existsSync(socket), false);
    assert.equal(existsSync(`${socket}.control`), false);
    assert.equal(existsSync(join(dirname(socket), 'stats.sock')), false);
  });

  it('starts over the socket file a killed simulator left behind', async () => {
    const socket = tempSocket();
    const first = await startSim(socket, ['--control', 'off']);
    children.push(first);
    assert.equal(first.ready.control, 'off');
    await first.kill();
    assert.ok(existsSync(socket), 'SIGKILL leaves the socket file');
    const second = await startSim(socket, ['--interfaces', '2', '--log-level', 'debug', '--control', 'off']);
    children.push(second);
    const vpp = await RawVpp.register(socket, codec);
    assert.equal((await vpp.dump('sw_interface_dump', {})).details.length, 3);
    vpp.close();
    await assert.rejects(
      startSim(socket, ['--control', 'off']),
      /exited with 1 before it was ready[\s\S]*another process is listening/,
    );
  });
});
