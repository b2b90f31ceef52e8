/**
 * The fault-injection control socket: a test in another process connects,
 * writes one JSON command per line and reads one JSON answer per line.
 *
 *   {"cmd":"delay","ms":200}                 every reply 200 ms late
 *   {"cmd":"delay","ms":200,"message":"show_version"}
 *   {"cmd":"drop"}                           drop every connection now
 *   {"cmd":"drop-after","messages":N}        drop them after N more messages out
 *   {"cmd":"restart","downtimeMs":100}       new pid, new message ids, fresh state
 *   {"cmd":"malformed","kind":"truncated"}   also "unknown-id", "bad-length"
 *   {"cmd":"stall","on":true}                stop answering (false: resume)
 *   {"cmd":"keepalive"}                      send memclnt_keepalive to every client
 *   {"cmd":"clear"}                          remove every fault
 *   {"cmd":"state"}                          the simulator's state
 *
 * Answers are {"ok":true,…} or {"ok":false,"error":"…"}.
 */
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import type { SimLog } from './log.ts';
import type { MalformedKind, VppSimulator } from './simulator.ts';
import { closeUnix, listenUnix } from '../../lib/unix-socket.ts';

type Command = Record<string, unknown>;
type Answer = Record<string, unknown>;

const MALFORMED_KINDS: readonly MalformedKind[] = ['truncated', 'unknown-id', 'bad-length'];

function int(c: Command, key: string): number {
  const v = c[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`"${key}" must be an integer ≥ 0`);
  return v;
}

/** Carry out one command. */
export async function runControlCommand(sim: VppSimulator, c: Command): Promise<Answer> {
  switch (c.cmd) {
    case 'delay': {
      const message = c.message === undefined ? undefined : String(c.message);
      sim.delay(int(c, 'ms'), message);
      return { ok: true };
    }
    case 'drop':
      return { ok: true, dropped: sim.dropConnections() };
    case 'drop-after':
      sim.dropAfter(int(c, 'messages'));
      return { ok: true };
    case 'restart':
      await sim.restart({ downtimeMs: c.downtimeMs === undefined ? 0 : int(c, 'downtimeMs') });
      return { ok: true, vpePid: sim.vpePid, generation: sim.generation };
    case 'malformed': {
      const kind = (c.kind ?? 'truncated') as MalformedKind;
      if (!MALFORMED_KINDS.includes(kind)) throw new Error(`"kind" must be one of ${MALFORMED_KINDS.join(', ')}`);
      return { ok: true, sent: sim.malformed(kind) };
    }
    case 'stall':
      if (typeof c.on !== 'boolean') throw new Error('"on" must be true or false');
      sim.stall(c.on);
      return { ok: true };
    case 'keepalive':
      return { ok: true, sent: sim.sendKeepalive() };
    case 'clear':
      sim.clearFaults();
      return { ok: true };
    case 'state':
      return { ok: true, state: sim.describe() };
    default:
      throw new Error(`unknown command ${JSON.stringify(c.cmd)}`);
  }
}

export class ControlServer {
  private constructor(
    private readonly server: Server,
    readonly path: string,
  ) {}

  static async start(sim: VppSimulator, path: string, log: SimLog): Promise<ControlServer> {
    const server = createServer((socket) => {
      socket.on('error', () => {});
      // one command at a time per connection, answered in order
      let chain = Promise.resolve();
      createInterface({ input: socket }).on('line', (line) => {
        if (line.trim() === '') return;
        chain = chain.then(async () => {
          let answer: Answer;
          try {
            const c = JSON.parse(line) as unknown;
            if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new Error('expected a JSON object');
            answer = await runControlCommand(sim, c as Command);
            log.info({ command: c }, 'control command');
          } catch (e) {
            answer = { ok: false, error: (e as Error).message };
          }
          if (!socket.destroyed) socket.write(`${JSON.stringify(answer)}\n`);
        });
      });
    });
    await listenUnix(server, path);
    return new ControlServer(server, path);
  }

  close(): Promise<void> {
    return closeUnix(this.server, this.path);
  }
}
