/** A parent that dies of an uncaught error takes the processes it started with it: nothing is left running. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { waitFor } from '../test/support/wait.ts';
import { PROJECT_ROOT } from './project.ts';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('stops its children when the parent exits on an uncaught error', async () => {
  const socket = join(tmpdir(), `vpp-rpc-child-test-${process.pid}.sock`);
  const script = `
    import { startChild } from ${JSON.stringify(join(PROJECT_ROOT, 'lib/child.ts'))};
    const c = await startChild({ name: 'sim', entry: 'vpp/sim/main.ts', args: ['--socket', ${JSON.stringify(socket)}, '--stats-socket', 'off'], readyMessage: 'VPP simulator listening' });
    console.log(c.proc.pid);
    throw new Error('the parent fails');`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /the parent fails/);
  const pid = Number(r.stdout.trim());
  assert.ok(pid > 0, r.stdout);
  await waitFor(`the simulator ${pid} goes with its parent`, () => !alive(pid), 30_000);
});
