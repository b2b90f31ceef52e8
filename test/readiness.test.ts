/**
 * Readiness does not depend on the log level: the processes say they are
 * ready over their IPC channel, not in a log line (`LOG_LEVEL=warn make run`
 * used to wait forever for an info line).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { post } from './support/http.ts';
import { ROOT } from './support/paths.ts';
import { startStack } from './support/stack.ts';

describe('readiness at every log level', () => {
  for (const level of ['warn', 'silent'])
    it(`starts simulator, server and gateway with LOG_LEVEL=${level}`, async () => {
      const stack = await startStack({ env: { LOG_LEVEL: level } });
      try {
        assert.match(String(stack.server.ready.grpc), /:\d+$/);
        assert.match(String(stack.gateway!.ready.rest), /:\d+$/);
        assert.match(String(stack.server.ready.metrics), /:\d+$/);
        assert.equal(stack.sim!.ready.socket, stack.socket);
        const r = await post(`${stack.rest}/Vpe/ShowVersion/request`);
        assert.equal(r.status, 200, r.text);
        // below the level only where it listens was printed (for people), and at silent nothing
        for (const c of [stack.sim!, stack.server, stack.gateway!])
          for (const l of c.lines.filter((x) => /"level":30/.test(x))) {
            assert.notEqual(level, 'silent', `${c.name} logged at silent: ${l}`);
            assert.match(l, /listening/, `${c.name} logged at info: ${l}`);
          }
      } finally {
        await stack.stop();
      }
    });

  // a guard against the hang this test is about, not a measure of speed
  it('runs `make run` with LOG_LEVEL=warn', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpp-rpc-make-run-'));
    const proc = spawn('make', ['-s', 'run'], {
      cwd: ROOT,
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        TMPDIR: dir, // the simulator's socket goes below it
        VPP_API_SOCKET: join(dir, 'no-vpp.sock'),
        VPP_RPC_GRPC_LISTEN: '127.0.0.1:0',
        VPP_RPC_REST_LISTEN: '127.0.0.1:0',
        VPP_RPC_SERVER_METRICS_LISTEN: '127.0.0.1:0',
        VPP_RPC_GATEWAY_METRICS_LISTEN: '127.0.0.1:0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so that the test can stop make and all below it
    });
    const out: string[] = [];
    createInterface({ input: proc.stderr }).on('line', (l) => out.push(l));
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    try {
      const rest = await new Promise<string>((resolve, reject) => {
        createInterface({ input: proc.stdout }).on('line', (l) => {
          out.push(l);
          const m = /REST\s+(http:\/\/localhost:\d+)/.exec(l);
          if (m) resolve(m[1]!);
        });
        void exited.then(() => reject(new Error(`make run exited:\n${out.join('\n')}`)));
      });
      const r = await post(`${rest}/Vpe/ShowVersion/request`);
      assert.equal(r.status, 200, r.text);
      assert.ok(
        out.some((l) => /simulator/.test(l)),
        out.join('\n'),
      );
    } finally {
      if (proc.exitCode === null) process.kill(-proc.pid!, 'SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
