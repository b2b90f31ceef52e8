/** The examples run as documented, against the real processes. */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { post } from './support/http.ts';
import { ROOT } from './support/paths.ts';
import { PYTHON } from './support/python.ts';
import { startStack, type Stack } from './support/stack.ts';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

/** Make a loopback, start a watcher example, wait for it to say it watches, bring the loopback up, and collect what it prints. */
async function watch(stack: Stack, cmd: string, args: string[]): Promise<string> {
  const loop = (await post(`${stack.rest}/Interface/CreateLoopback/request`, {})).json as { sw_if_index: number };
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (l) => {
      lines.push(l);
      if (l.startsWith('watching')) resolve();
    });
    void exited.then(() => reject(new Error(`${cmd} exited early: ${stderr}`)));
  });
  await post(`${stack.rest}/Interface/SwInterfaceSetFlags/request`, {
    sw_if_index: loop.sw_if_index,
    flags: ['IF_STATUS_API_FLAG_ADMIN_UP'],
  });
  assert.equal(await exited, 0, stderr);
  return lines.join('\n') + `\n#${loop.sw_if_index}`;
}

describe('examples', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack?.stop());

  it('curl.sh', async () => {
    const out = await run(join(ROOT, 'examples/curl.sh'), [], { VPP_RPC_URL: stack.rest });
    assert.match(out, /"program":"vpe"/);
    assert.match(out, /"interface_name":"local0"/);
    assert.match(out, /"l2_address":"02:fe:00:00:00:42"/);
    assert.match(out, /INVALID_SW_IF_INDEX.*\(HTTP 404\)/);
  });

  it('python/show_version.py and python/watch_interfaces.py', async () => {
    await run(join(ROOT, 'examples/python/make_stubs.sh'), []);
    const out = await run(PYTHON, ['examples/python/show_version.py', stack.grpcTarget]);
    assert.match(out, /^vpe 26\.06/);
    assert.match(out, /local0/);
    assert.match(out, /error: NOT_FOUND: INVALID_SW_IF_INDEX: Invalid sw_if_index \(retval -2\) \(retval -2\)/);
    const watched = await watch(stack, PYTHON, ['examples/python/watch_interfaces.py', stack.grpcTarget, '1']);
    const idx = watched.split('#').at(-1);
    assert.match(watched, new RegExp(`sw_if_index ${idx}: IF_STATUS_API_FLAG_ADMIN_UP, IF_STATUS_API_FLAG_LINK_UP`));
  });

  it('python/program_routes.py programs routes through one Batch/Call stream', async () => {
    await run(join(ROOT, 'examples/python/make_stubs.sh'), []);
    // the example's 100,000 by default; fewer here (EXAMPLE_ROUTES)
    const count = Number(process.env.EXAMPLE_ROUTES ?? 2000);
    const out = await run(PYTHON, ['examples/python/program_routes.py', stack.grpcTarget, String(count)]);
    const summary = JSON.parse(out.trim().split('\n').at(-1)!) as { routes: number; ok: number; failed: number };
    assert.deepEqual(
      { ...summary, seconds: undefined, per_second: undefined },
      {
        routes: count,
        ok: count,
        failed: 0,
        seconds: undefined,
        per_second: undefined,
      },
    );
  });

  it('typescript/show-version.ts and typescript/watch-interfaces.ts', async () => {
    const out = await run(process.execPath, [
      '--import',
      'tsx',
      'examples/typescript/show-version.ts',
      stack.grpcTarget,
    ]);
    assert.match(out, /^vpe 26\.06/);
    assert.match(out, /created sw_if_index \d+/);
    assert.match(out, /02:fe:00:00:00:43/);
    const watched = await watch(stack, process.execPath, [
      '--import',
      'tsx',
      'examples/typescript/watch-interfaces.ts',
      stack.grpcTarget,
      '1',
    ]);
    const idx = watched.split('#').at(-1);
    assert.match(watched, new RegExp(`sw_if_index ${idx}: IF_STATUS_API_FLAG_ADMIN_UP, IF_STATUS_API_FLAG_LINK_UP`));
  });
});
