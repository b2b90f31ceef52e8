/**
 * VppSimulator: a stand-in for VPP on its API socket. It speaks VPP's socket
 * protocol (sockclnt_create and the message table, client indexes, control
 * pings that end dumps, events without context, sockclnt_delete), keeps real
 * state for the core requests (handlers/), answers every other request with
 * retval -9 (UNIMPLEMENTED), and takes faults for tests: delays, drops,
 * restarts with new message ids, malformed frames, stalls.
 */
import { EventEmitter } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { closeUnix, listenUnix } from '../../lib/unix-socket.ts';
import type { VppErrorTable } from '../api/errors.ts';
import type { ApiModel } from '../api/model.ts';
import type { Codec } from '../codec/types.ts';
import { Faults } from './faults.ts';
import type { SimLog } from './log.ts';
import { buildMessageTable, type SimMessageTable } from './ids.ts';
import { VppProtocol, type MalformedKind, type World } from './protocol.ts';
import { Session, type SessionHooks } from './session.ts';
import { SimStats } from './stats.ts';
import { DEFAULT_SYSTEM, SimState, type SystemInfo } from './state/index.ts';

export type { MalformedKind } from './protocol.ts';

export type { SimLog } from './log.ts';

export interface VppSimulatorOptions {
  model: ApiModel;
  codec: Codec;
  errors: VppErrorTable;
  socketPath: string;
  log?: SimLog;
  /** loopbacks created at every (re)start, for big dumps */
  interfaces?: number;
  /** VPP's process id at the first start; each restart adds one. Default: this process's */
  vpePid?: number;
  /** order of the module id blocks at the first start; each restart takes the next seed. Default 0 */
  idSeed?: number;
  /** a VPP of another build: messages it lacks, and messages it has with other CRCs */
  messageTable?: { omit?: string[]; crc?: Record<string, string> };
  /** what show_version and `show version` say */
  system?: Partial<Omit<SystemInfo, 'vpePid' | 'startedAt'>>;
  /** serve a stats segment here (a new one at every start); none when absent */
  statsSocket?: string;
  /** how often its counters move; default 250 ms */
  statsIntervalMs?: number;
}

export interface SimClient {
  clientIndex: number;
  name: string;
}

/** VPP hands socket clients 0x80000000 | their registration's pool index. */
const SOCKET_CLIENT_BIT = 0x80000000;

export class VppSimulator extends EventEmitter<{
  connection: [SimClient];
  disconnect: [SimClient];
  /** every message a client sends: its name and the client index */
  message: [string, number];
  'keepalive-reply': [SimClient];
}> {
  readonly faults = new Faults();
  /** counters for tests and the control socket */
  readonly stats = { connections: 0, backpressure: 0, received: new Map<string, number>() };
  private readonly opts: VppSimulatorOptions;
  private readonly log: SimLog;
  private server: Server | undefined;
  private readonly sessions = new Map<number, Session>();
  private world!: World;
  private _generation = 0;
  private pid: number;
  /** when the current "VPP" started (ms since the epoch) */
  private startedAt = 0;
  private readonly protocol: VppProtocol;
  private segment: SimStats | undefined;

  constructor(opts: VppSimulatorOptions) {
    super();
    this.opts = opts;
    this.log = opts.log ?? pino({ level: 'silent' });
    this.pid = opts.vpePid ?? process.pid;
    this.startedAt = lastBootAt(opts.socketPath);
    this.reset();
    this.protocol = new VppProtocol({
      ...opts,
      log: this.log,
      faults: this.faults,
      world: () => this.world,
      client: (clientIndex) =>
        (clientIndex & SOCKET_CLIENT_BIT) !== 0 ? this.sessions.get(clientIndex & ~SOCKET_CLIENT_BIT) : undefined,
      received: (name, session) => {
        this.stats.received.set(name, (this.stats.received.get(name) ?? 0) + 1);
        this.emit('message', name, session.clientIndex);
      },
      // as VPP does, an interface is in the stats segment by the time its create call is answered
      handled: () => this.segment?.sync(),
      keepaliveReplied: (session) => {
        session.keepaliveReplies++;
        this.emit('keepalive-reply', clientOf(session));
      },
    });
  }

  get socketPath(): string {
    return this.opts.socketPath;
  }

  get vpePid(): number {
    return this.pid;
  }

  /** how many times the simulator restarted */
  get generation(): number {
    return this._generation;
  }

  get state(): SimState {
    return this.world.state;
  }

  get table(): SimMessageTable {
    return this.world.table;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** The runtime id of a message in the current table. */
  messageId(name: string): number | undefined {
    return this.world.table.idOf.get(name);
  }

  get clients(): SimClient[] {
    return [...this.sessions.values()].map(clientOf);
  }

  /** How many `name` messages clients sent since the start. */
  received(name: string): number {
    return this.stats.received.get(name) ?? 0;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    try {
      await listenUnix(server, this.opts.socketPath);
    } catch (e) {
      this.server = undefined;
      throw e;
    }
    this.startStats();
  }

  /** the stats segment of this start, if one is served */
  get statsSegment(): SimStats | undefined {
    return this.segment;
  }

  private startStats(): void {
    const path = this.opts.statsSocket;
    if (!path) return;
    try {
      this.segment = new SimStats({
        socketPath: path,
        state: () => this.world.state,
        intervalMs: this.opts.statsIntervalMs,
        log: this.log,
      });
      this.segment.start();
    } catch (err) {
      this.segment = undefined;
      this.log.warn({ statsSocket: path, err: (err as Error).message }, 'no stats segment');
    }
  }

  /** Drop every client, stop listening and remove the socket file. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.segment?.stop();
    this.segment = undefined;
    for (const s of this.sessions.values()) s.destroy();
    await closeUnix(server, this.opts.socketPath);
  }

  /**
   * What a VPP restart looks like to clients: every connection drops, the
   * socket goes away (for `downtimeMs`, or until `until` settles), and the
   * VPP that comes back has a new pid, new message ids and fresh state.
   */
  async restart(opts: { downtimeMs?: number; until?: Promise<unknown> } = {}): Promise<void> {
    await this.stop();
    this._generation++;
    this.pid = this.pid >= 4194303 ? 2 : this.pid + 1;
    this.reset();
    if (opts.downtimeMs) await new Promise((r) => setTimeout(r, opts.downtimeMs));
    if (opts.until) await opts.until.catch(() => {});
    await this.start();
    this.log.info({ vpePid: this.pid, generation: this._generation }, 'VPP simulator restarted');
  }

  // ---- faults -------------------------------------------------------------

  /** Delay replies to `message` (to everything when absent) by `ms`; 0 clears. */
  delay(ms: number, message?: string): void {
    this.faults.setDelay(ms, message);
  }

  /** Stop answering (incoming messages wait), or resume and answer what waited. */
  stall(on: boolean): void {
    this.faults.stalled = on;
    if (on) return;
    for (const s of [...this.sessions.values()]) {
      const held = s.held.splice(0);
      for (const p of held) if (!s.closed) this.protocol.process(s, p);
    }
  }

  /** Drop every connection now, as a crashing VPP would. Returns how many. */
  dropConnections(): number {
    const n = this.sessions.size;
    for (const s of this.sessions.values()) s.destroy();
    return n;
  }

  /** Let `messages` more messages out, then drop every connection. */
  dropAfter(messages: number): void {
    if (messages === 0) this.dropConnections();
    else this.faults.dropAfter(messages);
  }

  /**
   * Send every connected client a frame it cannot take: `truncated` (a
   * control_ping_reply shorter than its fields), `unknown-id` (an id outside
   * the table, with garbage), `bad-length` (a header declaring 1 byte).
   */
  malformed(kind: MalformedKind = 'truncated'): number {
    const bytes = this.protocol.malformedFrame(kind);
    const named = [...this.sessions.values()].filter((s) => s.named);
    for (const s of named) s.writeRaw(bytes);
    return named.length;
  }

  /** Send memclnt_keepalive to every connected client (VPP itself sends none to socket clients). */
  sendKeepalive(): number {
    const named = [...this.sessions.values()].filter((s) => s.named);
    for (const s of named) s.send(this.protocol.encode('memclnt_keepalive', {}, 0, s.clientIndex));
    return named.length;
  }

  clearFaults(): void {
    this.stall(false);
    this.faults.clear();
  }

  /** A JSON-friendly picture of the simulator, for tests and the control socket. */
  describe(): Record<string, unknown> {
    const st = this.world.state;
    return {
      socket: this.opts.socketPath,
      listening: this.listening,
      vpePid: this.pid,
      generation: this._generation,
      messages: this.world.table.entries.length,
      clients: [...this.sessions.values()].map((s) => ({
        ...clientOf(s),
        interfaceEvents: st.interfaceEventClients.has(s.clientIndex),
        held: s.held.length,
        keepaliveReplies: s.keepaliveReplies,
      })),
      interfaceEventSubscribers: [...st.interfaceEventClients].map(([clientIndex, pid]) => ({ clientIndex, pid })),
      interfaces: [...st.interfaces.all()].slice(0, 100).map((i) => ({
        swIfIndex: i.swIfIndex,
        name: i.name,
        adminUp: i.adminUp,
        linkUp: i.linkUp,
        mac: i.mac ?? null,
      })),
      interfaceCount: st.interfaces.size,
      tables: st.ip
        .allTables()
        .map((t) => ({ tableId: t.tableId, isIp6: t.isIp6, name: t.name, routes: t.entries.size })),
      faults: this.faults.describe(),
      stats: { connections: this.stats.connections, backpressure: this.stats.backpressure },
    };
  }

  // ---- connections --------------------------------------------------------

  /**
   * A new VPP: fresh state, the message table of this generation, and a boot
   * time of its own (later than the last one, however quick the restart), as
   * the stats segment's /sys/boottime shows it. VPP keeps that time in whole
   * seconds: a restart within the same second still moves it by one.
   */
  private reset(): void {
    const o = this.opts;
    const startedAt = Math.max(Date.now(), this.startedAt + 1000);
    this.startedAt = startedAt;
    keepBootAt(this.opts.socketPath, startedAt);
    this.world = {
      vpePid: this.pid,
      state: new SimState({ ...DEFAULT_SYSTEM, ...o.system, vpePid: this.pid, startedAt }, o.interfaces),
      table: buildMessageTable(o.model, {
        seed: (o.idSeed ?? 0) + this._generation,
        omit: o.messageTable?.omit,
        crc: o.messageTable?.crc,
      }),
    };
  }

  private accept(socket: Socket): void {
    let slot = 1;
    while (this.sessions.has(slot)) slot++;
    const session = new Session((SOCKET_CLIENT_BIT | slot) >>> 0, socket, this.hooks);
    this.sessions.set(slot, session);
    this.stats.connections++;
    this.log.debug({ clientIndex: session.clientIndex }, 'client connected');
    this.emit('connection', clientOf(session));
  }

  private readonly hooks: SessionHooks = {
    received: (s, p) => {
      if (this.faults.stalled || s.held.length > 0) s.held.push(p);
      else this.protocol.process(s, p);
    },
    badFrames: (s, err) => this.log.warn({ clientIndex: s.clientIndex, err: err.message }, 'unreadable frames'),
    closed: (s) => {
      const slot = s.clientIndex & ~SOCKET_CLIENT_BIT;
      // a connection of the VPP before a restart may close after its slot was given again
      if (this.sessions.get(slot) === s) {
        this.sessions.delete(slot);
        this.world.state.clientGone(s.clientIndex);
      }
      this.log.debug({ clientIndex: s.clientIndex }, 'client disconnected');
      this.emit('disconnect', clientOf(s));
    },
    nextSend: () => this.faults.nextSend(),
    dropAll: () => {
      for (const s of this.sessions.values()) s.end();
    },
    streamFailed: (s, err) => this.log.error({ clientIndex: s.clientIndex, err: err.message }, 'a dump failed'),
    backpressure: () => this.stats.backpressure++,
  };
}

function clientOf(s: Session): SimClient {
  return { clientIndex: s.clientIndex, name: s.clientName };
}

/**
 * VPP takes a second or more to start, so a VPP killed and started again in its folder always
 * shows a later /sys/boottime (whole seconds). A simulator starts in milliseconds: it keeps its
 * boot time beside its socket (`api.sock.boottime`), and one started on that socket within the
 * same second takes the next.
 */
const bootFile = (socketPath: string): string => `${socketPath}.boottime`;

function lastBootAt(socketPath: string): number {
  try {
    return Number(readFileSync(bootFile(socketPath), 'utf8')) || 0;
  } catch {
    return 0;
  }
}

function keepBootAt(socketPath: string, startedAt: number): void {
  try {
    writeFileSync(bootFile(socketPath), String(startedAt));
  } catch {
    // a folder the simulator cannot write: restarts within one second then share a boot time
  }
}
