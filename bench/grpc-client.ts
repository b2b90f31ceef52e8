/**
 * The gateway's gRPC client (gateway/grpc/client.ts, over node:http2) against
 * grpc-js's client, making the same unary call to the same grpc-js server
 * (bench/grpc-echo-server.ts, a process of its own), with a deadline as the
 * gateway sets one: latency one call at a time, calls/s and this process's
 * CPU per call at 1, 16 and 64 in flight, and what loading each costs a
 * fresh process. Rounds alternate between the clients and each keeps its
 * best, so that the machine's noise favours neither.
 *   npx tsx bench/grpc-client.ts      (env BENCH_SEQUENTIAL, BENCH_REQUESTS)
 */
import { spawnSync } from 'node:child_process';
import { Client, credentials } from '@grpc/grpc-js';
import { GrpcClient } from '../gateway/grpc/client.ts';
import { portOf, startChild } from '../lib/child.ts';
import { PROJECT_ROOT } from '../lib/project.ts';
import { concurrent, sequential } from './measure.ts';

const SEQ = Number(process.env.BENCH_SEQUENTIAL ?? 5000);
const LOAD = Number(process.env.BENCH_REQUESTS ?? 20000);
const ROUNDS = 3;
const REQUEST = Buffer.alloc(16, 2);
const DEADLINE_MS = 10_000;

const echo = await startChild({ name: 'echo', entry: 'bench/grpc-echo-server.ts', readyMessage: 'echo listening' });
try {
  const target = `127.0.0.1:${portOf(echo.ready.grpc)}`;
  const path = String(echo.ready.path);

  const lean = new GrpcClient({ target });
  const grpcJs = new Client(target, credentials.createInsecure());
  const same = (b: Buffer): Buffer => b;
  const clients: [string, () => Promise<unknown>][] = [
    ['gateway/grpc/client.ts', () => lean.unary(path, REQUEST, { deadline: Date.now() + DEADLINE_MS })],
    [
      '@grpc/grpc-js Client',
      () =>
        new Promise((resolve, reject) =>
          grpcJs.makeUnaryRequest(path, same, same, REQUEST, { deadline: Date.now() + DEADLINE_MS }, (err, reply) =>
            err ? reject(err) : resolve(reply),
          ),
        ),
    ],
  ];

  /** calls/s and this process's CPU µs per call at `inFlight` */
  async function load(call: () => Promise<unknown>, inFlight: number): Promise<{ rate: number; cpuUs: number }> {
    const before = process.cpuUsage();
    const rate = await concurrent(call, LOAD, inFlight);
    const used = process.cpuUsage(before);
    return { rate, cpuUs: (used.user + used.system) / LOAD };
  }

  const best = clients.map(() => ({
    p50: Infinity,
    mean: Infinity,
    load: new Map<number, { rate: number; cpuUs: number }>(),
  }));
  for (let round = 0; round < ROUNDS; round++)
    for (const [i, [, call]] of clients.entries()) {
      const b = best[i]!;
      const l = await sequential(call, SEQ);
      b.p50 = Math.min(b.p50, l.p50);
      b.mean = Math.min(b.mean, l.mean);
      for (const inFlight of [1, 16, 64]) {
        const r = await load(call, inFlight);
        const kept = b.load.get(inFlight);
        b.load.set(inFlight, {
          rate: Math.max(kept?.rate ?? 0, r.rate),
          cpuUs: Math.min(kept?.cpuUs ?? Infinity, r.cpuUs),
        });
      }
    }
  lean.close();
  grpcJs.close();

  /** ms for a fresh node to load a module, median of 5 */
  function loadMs(specifier: string): number {
    const code = `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`;
    const xs = Array.from({ length: 5 }, () =>
      Number(
        spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: PROJECT_ROOT, encoding: 'utf8' })
          .stdout,
      ),
    ).sort((a, b) => a - b);
    return xs[2]!;
  }

  console.log(`${ROUNDS} rounds, best of each; ${SEQ} calls one at a time, ${LOAD} per in-flight level`);
  console.log('| client | p50 ms | mean ms | calls/s ×1 | ×16 | ×64 | client CPU µs/call ×1 | ×16 | ×64 |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [i, [name]] of clients.entries()) {
    const b = best[i]!;
    const at = (n: number): { rate: number; cpuUs: number } => b.load.get(n)!;
    console.log(
      `| ${name} | ${b.p50.toFixed(3)} | ${b.mean.toFixed(3)} | ${[1, 16, 64].map((n) => Math.round(at(n).rate)).join(' | ')} | ` +
        `${[1, 16, 64].map((n) => at(n).cpuUs.toFixed(0)).join(' | ')} |`,
    );
  }
  console.log(
    `loading, in a fresh node (median of 5): node:http2 ${loadMs('node:http2').toFixed(1)} ms, ` +
      `@grpc/grpc-js ${loadMs('@grpc/grpc-js').toFixed(1)} ms`,
  );
} finally {
  await echo.stop();
}
