/**
 * How a simulated VPP answers one message from a client: the handshake and
 * the goodbye, control pings (which end dumps), requests with a handler, and
 * UNIMPLEMENTED for the rest; then the events the message caused.
 */
import type { VppErrorTable } from '../api/errors.ts';
import { rpcShape } from '../api/mapping.ts';
import type { ApiModel } from '../api/model.ts';
import { frame, FRAME_HEADER_SIZE } from '../codec/framing.ts';
import type { Codec, Decoded, Value } from '../codec/types.ts';
import type { Faults } from './faults.ts';
import { CURSOR_HANDLERS, DUMP_HANDLERS, UNARY_HANDLERS, type HandlerContext } from './handlers/index.ts';
import { OtherMessage, u32 } from './handlers/types.ts';
import type { SimMessageTable } from './ids.ts';
import { RV } from './retval.ts';
import type { Session } from './session.ts';
import type { SimLog } from './log.ts';
import type { SimState } from './state/index.ts';

/** The VPP of the moment: a restart replaces it whole. */
export interface World {
  state: SimState;
  table: SimMessageTable;
  vpePid: number;
}

export interface ProtocolHost {
  model: ApiModel;
  codec: Codec;
  errors: VppErrorTable;
  log: SimLog;
  faults: Faults;
  world(): World;
  /** the connected client that has this index */
  client(clientIndex: number): Session | undefined;
  /** a message arrived (before it is handled) */
  received(name: string, session: Session): void;
  /** a message was handled: what it changed is in the state */
  handled(): void;
  keepaliveReplied(session: Session): void;
}

export type MalformedKind = 'truncated' | 'unknown-id' | 'bad-length';

export class VppProtocol {
  /** what was logged once per message name */
  private readonly noted = new Set<string>();

  constructor(private readonly host: ProtocolHost) {}

  /** One message from a client, then the events it caused; a failure is logged, never thrown at the socket. */
  process(session: Session, payload: Buffer): void {
    try {
      this.handle(session, payload);
      this.host.handled();
      this.deliverEvents();
    } catch (e) {
      this.host.log.error({ clientIndex: session.clientIndex, err: (e as Error).message }, 'message not handled');
    }
  }

  /** A whole frame of message `name` with the current ids. */
  encode(name: string, value: Value, context: number, clientIndex?: number): Buffer {
    const msgId = this.host.world().table.idOf.get(name);
    if (msgId === undefined) throw new Error(`${name} is not in this simulator's message table`);
    return this.host.codec.message(name).encodeFrame(value, { msgId, context, clientIndex });
  }

  /**
   * A frame no client can take: `truncated` (a control_ping_reply shorter
   * than its fields), `unknown-id` (an id outside the table, with garbage),
   * `bad-length` (a header declaring 1 byte).
   */
  malformedFrame(kind: MalformedKind): Buffer {
    if (kind === 'bad-length') {
      const b = Buffer.alloc(FRAME_HEADER_SIZE + 1);
      b.writeUInt32BE(1, 8);
      return b;
    }
    const { table } = this.host.world();
    const payload = Buffer.alloc(kind === 'truncated' ? 6 : 18, 0xa5);
    const id = kind === 'truncated' ? table.idOf.get('control_ping_reply')! : table.nameOf.length;
    payload.writeUInt16BE(id & 0xffff, 0);
    return frame(payload);
  }

  private handle(session: Session, payload: Buffer): void {
    if (payload.length < 2) return;
    const { table, vpePid } = this.host.world();
    const name = table.nameOf[payload.readUInt16BE(0)];
    if (name === undefined) {
      this.note(`id ${payload.readUInt16BE(0)}`, 'a message id the table does not have: ignored');
      return;
    }
    this.host.received(name, session);
    let msg: Decoded;
    try {
      msg = this.host.codec.message(name).decode(payload);
    } catch (e) {
      this.host.log.warn({ message: name, err: (e as Error).message }, 'undecodable message ignored');
      return;
    }
    if (name === 'sockclnt_create') return this.handshake(session, msg);
    if (name === 'memclnt_keepalive_reply') return this.host.keepaliveReplied(session);
    if (msg.clientIndex === undefined) {
      this.note(name, 'not a request: ignored');
      return;
    }
    // VPP answers only requests that carry the client's own index
    if (!session.named || msg.clientIndex !== session.clientIndex) {
      this.host.log.debug({ message: name, clientIndex: msg.clientIndex }, 'wrong client index: dropped');
      return;
    }
    const context = msg.context ?? 0;
    const delay = this.host.faults.delayFor(name);
    if (name === 'control_ping') {
      const retval = session.failedDumps.delete(context) ? RV.UNIMPLEMENTED : RV.OK;
      session.send(this.encode('control_ping_reply', { retval, vpe_pid: vpePid }, context), delay);
    } else if (name === 'sockclnt_delete') this.goodbye(session, msg.value, context, delay);
    // a client's keepalive gets no answer, as from VPP
    else if (name !== 'memclnt_keepalive') this.request(session, name, msg.value, context, delay);
  }

  private handshake(session: Session, msg: Decoded): void {
    session.named = true;
    session.clientName = String(msg.value.name ?? '');
    const reply = { response: 0, index: session.clientIndex, message_table: this.host.world().table.entries };
    const delay = this.host.faults.delayFor('sockclnt_create');
    session.send(this.encode('sockclnt_create_reply', reply, msg.context ?? 0), delay);
    this.host.log.debug({ clientIndex: session.clientIndex, name: session.clientName }, 'client registered');
  }

  /** sockclnt_delete: response 1 and the socket closes; an index no client has gets -1. */
  private goodbye(session: Session, value: Value, context: number, delay: number): void {
    const known = this.host.client(u32(value.index)) !== undefined;
    session.send(this.encode('sockclnt_delete_reply', { response: known ? 1 : -1 }, context), delay);
    if (known) session.endAfterQueued(delay);
  }

  private request(session: Session, name: string, value: Value, context: number, delay: number): void {
    const { model, log } = this.host;
    const svc = model.services.get(name);
    if (!svc || svc.reply === null) {
      this.note(name, 'a message VPP sends no reply to: ignored');
      return;
    }
    const ctx: HandlerContext = { state: this.host.world().state, clientIndex: session.clientIndex };
    const kind = rpcShape(svc).kind;
    if (kind === 'dump') {
      const dump = DUMP_HANDLERS.get(name);
      if (!dump) {
        // the control_ping that follows carries the error
        session.failedDumps.add(context);
        this.unimplemented(name);
        return;
      }
      session.sendAll(this.frames(svc.reply, dump(value, ctx), context), delay);
      return;
    }
    if (kind === 'cursor') {
      const page = CURSOR_HANDLERS.get(name)?.(value, ctx);
      if (page) {
        session.sendAll(this.frames(svc.streamMessage!, page.entries, context), delay);
        session.send(this.encode(svc.reply, page.reply, context), delay);
        return;
      }
    }
    const handler = kind === 'cursor' ? undefined : UNARY_HANDLERS.get(name);
    let reply: Value;
    if (handler) {
      try {
        reply = handler(value, ctx);
      } catch (e) {
        log.error({ message: name, err: (e as Error).message }, 'request failed');
        reply = { retval: RV.UNSPECIFIED };
      }
    } else {
      this.unimplemented(name);
      if (!model.messages.get(svc.reply)!.fields.some((f) => f.name === 'retval' && f.type === 'i32')) {
        // the reply cannot carry -9: say it in a control_ping_reply with the request's context
        session.send(
          this.encode('control_ping_reply', { retval: RV.UNIMPLEMENTED, vpe_pid: this.host.world().vpePid }, context),
          delay,
        );
        return;
      }
      reply = { retval: RV.UNIMPLEMENTED };
    }
    session.send(this.encode(svc.reply, reply, context), delay);
  }

  /** A dump's frames, encoded one by one as the socket takes them. */
  private *frames(name: string, values: Iterable<Value | OtherMessage>, context: number): Iterator<Buffer> {
    const { idOf } = this.host.world().table;
    const msgId = idOf.get(name);
    if (msgId === undefined) return;
    const codec = this.host.codec.message(name);
    for (const v of values) {
      if (!(v instanceof OtherMessage)) yield codec.encodeFrame(v, { msgId, context });
      else if (idOf.has(v.id))
        yield this.host.codec.message(v.layout).encodeFrame(v.value, { msgId: idOf.get(v.id)!, context });
    }
  }

  /** sw_interface_event to every subscriber, after the reply that caused it. */
  private deliverEvents(): void {
    const { state } = this.host.world();
    const events = state.takeInterfaceEvents();
    if (events.length === 0) return;
    for (const [clientIndex, pid] of state.interfaceEventClients) {
      const s = this.host.client(clientIndex);
      if (!s) continue;
      for (const e of events) s.send(this.encode('sw_interface_event', { pid, ...e }, 0, clientIndex));
    }
  }

  private unimplemented(name: string): void {
    const { symbol } = this.host.errors.describe(RV.UNIMPLEMENTED);
    this.note(name, `not simulated: answered with retval ${RV.UNIMPLEMENTED} (${symbol})`);
  }

  /** Log something about a message once per message name. */
  private note(key: string, what: string): void {
    if (this.noted.has(key)) return;
    this.noted.add(key);
    this.host.log.info({ message: key }, what);
  }
}
