/**
 * VppSimulator: a stand-in for VPP on its API socket. It speaks VPP's socket
 * protocol (sockclnt_create and the message table, client indexes, control
 * pings that end dumps, events without context, sockclnt_delete), keeps real
 * state for the core requests (handlers/), answers every other request with
 * retval -9 (UNIMPLEMENTED), and takes faults for tests: delays, drops,
 * restarts with new message ids, malformed frames, stalls.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { pino, type Logger } from 'pino';
import type { VppErrorTable } from '../api/errors.ts';
import { rpcShape } from '../api/mapping.ts';
import type { ApiModel } from '../api/model.ts';
import { frame, FRAME_HEADER_SIZE } from '../codec/framing.ts';
import type { Codec, Decoded, Value } from '../codec/types.ts';
import { Faults } from './faults.ts';
import { DUMP_HANDLERS, UNARY_HANDLERS, type HandlerContext } from './handlers/index.ts';
import { u32 } from './handlers/types.ts';
import { buildMessageTable, type SimMessageTable } from './ids.ts';
import { RV } from './retval.ts';
import { Session, type SessionHooks } from './session.ts';
import { closeUnix, listenUnix } from '../../lib/unix-socket.ts';
import { DEFAULT_SYSTEM, SimState, type SystemInfo } from './state/index.ts';

export type SimLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

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
}

export type MalformedKind = 'truncated' | 'unknown-id' | 'bad-length';

export interface SimClient {
  clientIndex: number;
  name: string;
}

/** VPP hands socket clients 0x80000000 | their registration's pool index. */
const SOCKET_CLIENT_BIT = 0x80000000;

export class VppSimulator extends EventEmitter<{
  connection: [SimClient];
  disconnect: [SimClient];
  request: [string, number];
  'keepalive-reply': [SimClient];
}> {
  readonly faults = new Faults();
  /** counters for tests and the control socket */
  readonly stats = { connections: 0, backpressure: 0, received: new Map<string, number>() };
  private readonly opts: VppSimulatorOptions;
  private readonly log: SimLog;
  private server: Server | undefined;
  private readonly sessions = new Map<number, Session>();
  private _state!: SimState;
  private _table!: SimMessageTable;
  private _generation = 0;
  private pid: number;
  private readonly noted = new Set<string>();

  constructor(opts: VppSimulatorOptions) {
    super();
    this.opts = opts;
    this.log = opts.log ?? pino({ level: 'silent' });
    this.pid = opts.vpePid ?? process.pid;
    this.reset();
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
    return this._state;
  }

  get table(): SimMessageTable {
    return this._table;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** The runtime id of a message in the current table. */
  messageId(name: string): number | undefined {
    return this._table.idOf.get(name);
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
  }

  /** Drop every client, stop listening and remove the socket file. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
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
      for (const p of held) if (!s.closed) this.process(s, p);
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
    const bytes = this.malformedFrame(kind);
    const named = [...this.sessions.values()].filter((s) => s.named);
    for (const s of named) s.writeRaw(bytes);
    return named.length;
  }

  /** Send memclnt_keepalive to every connected client (VPP itself sends none to socket clients). */
  sendKeepalive(): number {
    const named = [...this.sessions.values()].filter((s) => s.named);
    for (const s of named) s.send(this.encode('memclnt_keepalive', {}, 0, s.clientIndex));
    return named.length;
  }

  clearFaults(): void {
    this.stall(false);
    this.faults.clear();
  }

  /** A JSON-friendly picture of the simulator, for tests and the control socket. */
  describe(): Record<string, unknown> {
    const st = this._state;
    return {
      socket: this.opts.socketPath,
      listening: this.listening,
      vpePid: this.pid,
      generation: this._generation,
      messages: this._table.entries.length,
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

  // ---- protocol -----------------------------------------------------------

  private reset(): void {
    const o = this.opts;
    this._state = new SimState(
      { ...DEFAULT_SYSTEM, ...o.system, vpePid: this.pid, startedAt: Date.now() },
      o.interfaces,
    );
    this._table = buildMessageTable(o.model, {
      seed: (o.idSeed ?? 0) + this._generation,
      omit: o.messageTable?.omit,
      crc: o.messageTable?.crc,
    });
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
      else this.process(s, p);
    },
    badFrames: (s, err) => this.log.warn({ clientIndex: s.clientIndex, err: err.message }, 'unreadable frames'),
    closed: (s) => {
      const slot = s.clientIndex & ~SOCKET_CLIENT_BIT;
      // a connection of the VPP before a restart may close after its slot was given again
      if (this.sessions.get(slot) === s) {
        this.sessions.delete(slot);
        this._state.clientGone(s.clientIndex);
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

  private encode(name: string, value: Value, context: number, clientIndex?: number): Buffer {
    const msgId = this._table.idOf.get(name);
    if (msgId === undefined) throw new Error(`${name} is not in this simulator's message table`);
    return this.opts.codec.message(name).encodeFrame(value, { msgId, context, clientIndex });
  }

  /** One message from a client, then the events it caused; a failure is logged, never thrown at the socket. */
  private process(session: Session, payload: Buffer): void {
    try {
      this.handle(session, payload);
      this.deliverEvents();
    } catch (e) {
      this.log.error({ clientIndex: session.clientIndex, err: (e as Error).message }, 'message not handled');
    }
  }

  private handle(session: Session, payload: Buffer): void {
    if (payload.length < 2) return;
    const name = this._table.nameOf[payload.readUInt16BE(0)];
    if (name === undefined) {
      this.note(`id ${payload.readUInt16BE(0)}`, 'a message id the table does not have: ignored');
      return;
    }
    this.stats.received.set(name, (this.stats.received.get(name) ?? 0) + 1);
    let msg: Decoded;
    try {
      msg = this.opts.codec.message(name).decode(payload);
    } catch (e) {
      this.log.warn({ message: name, err: (e as Error).message }, 'undecodable message ignored');
      return;
    }
    if (name === 'sockclnt_create') return this.handshake(session, msg);
    if (name === 'memclnt_keepalive_reply') {
      session.keepaliveReplies++;
      this.emit('keepalive-reply', clientOf(session));
      return;
    }
    if (msg.clientIndex === undefined) {
      this.note(name, 'not a request: ignored');
      return;
    }
    // VPP answers only requests that carry the client's own index
    if (!session.named || msg.clientIndex !== session.clientIndex) {
      this.log.debug({ message: name, clientIndex: msg.clientIndex }, 'wrong client index: dropped');
      return;
    }
    const context = msg.context ?? 0;
    const delay = this.faults.delayFor(name);
    if (name === 'control_ping') {
      const retval = session.failedDumps.delete(context) ? RV.UNIMPLEMENTED : RV.OK;
      session.send(this.encode('control_ping_reply', { retval, vpe_pid: this.pid }, context), delay);
    } else if (name === 'sockclnt_delete') this.goodbye(session, msg.value, context, delay);
    else if (name !== 'memclnt_keepalive') this.request(session, name, msg.value, context, delay);
    this.emit('request', name, session.clientIndex);
  }

  private handshake(session: Session, msg: Decoded): void {
    session.named = true;
    session.clientName = String(msg.value.name ?? '');
    const reply = { response: 0, index: session.clientIndex, message_table: this._table.entries };
    session.send(
      this.encode('sockclnt_create_reply', reply, msg.context ?? 0),
      this.faults.delayFor('sockclnt_create'),
    );
    this.log.debug({ clientIndex: session.clientIndex, name: session.clientName }, 'client registered');
  }

  /** sockclnt_delete: response 1 and the socket closes; an unknown index gets -1. */
  private goodbye(session: Session, value: Value, context: number, delay: number): void {
    const known =
      this.sessions.has(u32(value.index) & ~SOCKET_CLIENT_BIT) && (u32(value.index) & SOCKET_CLIENT_BIT) !== 0;
    session.send(this.encode('sockclnt_delete_reply', { response: known ? 1 : -1 }, context), delay);
    if (known) session.endAfterQueued(delay);
  }

  private request(session: Session, name: string, value: Value, context: number, delay: number): void {
    const svc = this.opts.model.services.get(name);
    if (!svc || svc.reply === null) {
      this.note(name, 'a message VPP sends no reply to: ignored');
      return;
    }
    const ctx: HandlerContext = { state: this._state, clientIndex: session.clientIndex };
    const kind = rpcShape(svc).kind;
    if (kind === 'dump') {
      const dump = DUMP_HANDLERS.get(name);
      if (!dump) {
        // the control_ping that follows carries the error
        session.failedDumps.add(context);
        this.unimplemented(name);
        return;
      }
      const details = svc.reply;
      session.sendAll(this.frames(details, dump(value, ctx), context), delay);
      return;
    }
    const handler = kind === 'cursor' ? undefined : UNARY_HANDLERS.get(name);
    let reply: Value;
    if (handler) {
      try {
        reply = handler(value, ctx);
      } catch (e) {
        this.log.error({ message: name, err: (e as Error).message }, 'request failed');
        reply = { retval: RV.UNSPECIFIED };
      }
    } else {
      if (!this.opts.model.messages.get(svc.reply)!.fields.some((f) => f.name === 'retval')) {
        this.note(name, `unimplemented, and ${svc.reply} has no retval to say so: no answer`);
        return;
      }
      this.unimplemented(name);
      reply = { retval: RV.UNIMPLEMENTED };
    }
    session.send(this.encode(svc.reply, reply, context), delay);
  }

  private *frames(name: string, values: Iterable<Value>, context: number): Iterator<Buffer> {
    const msgId = this._table.idOf.get(name);
    if (msgId === undefined) return;
    const codec = this.opts.codec.message(name);
    for (const v of values) yield codec.encodeFrame(v, { msgId, context });
  }

  /** sw_interface_event to every subscriber, after the reply that caused it. */
  private deliverEvents(): void {
    const events = this._state.takeInterfaceEvents();
    if (events.length === 0) return;
    for (const [clientIndex, pid] of this._state.interfaceEventClients) {
      const s = this.sessions.get(clientIndex & ~SOCKET_CLIENT_BIT);
      if (!s) continue;
      for (const e of events) s.send(this.encode('sw_interface_event', { pid, ...e }, 0, clientIndex));
    }
  }

  private unimplemented(name: string): void {
    this.note(
      name,
      `not simulated: answered with retval ${RV.UNIMPLEMENTED} (${this.opts.errors.describe(RV.UNIMPLEMENTED).symbol})`,
    );
  }

  /** Log something about a message once per message name. */
  private note(key: string, what: string): void {
    if (this.noted.has(key)) return;
    this.noted.add(key);
    this.log.info({ message: key }, what);
  }

  private malformedFrame(kind: MalformedKind): Buffer {
    if (kind === 'bad-length') {
      const b = Buffer.alloc(FRAME_HEADER_SIZE + 1);
      b.writeUInt32BE(1, 8);
      return b;
    }
    const payload = Buffer.alloc(kind === 'truncated' ? 6 : 18, 0xa5);
    const id = kind === 'truncated' ? this._table.idOf.get('control_ping_reply')! : this._table.nameOf.length;
    payload.writeUInt16BE(id & 0xffff, 0);
    return frame(payload);
  }
}

function clientOf(s: Session): SimClient {
  return { clientIndex: s.clientIndex, name: s.clientName };
}
