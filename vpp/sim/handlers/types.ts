/** How a request the simulator implements is answered. */
import type { Value } from '../../codec/types.ts';
import type { SimState } from '../state/index.ts';

export interface HandlerContext {
  state: SimState;
  /** the client index of the client that asked */
  clientIndex: number;
}

/** Returns the reply's value (retval included; context is the transport's). */
export type UnaryHandler = (req: Value, ctx: HandlerContext) => Value;

/**
 * Something a dump sends besides its details, as VPP does in places: a reply
 * the service does not declare (mactime_dump_reply), or details under another
 * message's id (igmp_group_prefix_dump sends igmp_details' id: a VPP bug).
 */
export class OtherMessage {
  constructor(
    /** the message whose id the frame carries */
    readonly id: string,
    readonly value: Value,
    /** the message whose layout the frame has (default: id's) */
    readonly layout: string = id,
  ) {}
}

/** Returns the details of a dump, produced as they are written. */
export type DumpHandler = (req: Value, ctx: HandlerContext) => Iterable<Value | OtherMessage>;

/**
 * One page of a cursor stream (the `stream_msg` kind): its entries, then the
 * service's reply, with retval EAGAIN and the next cursor while more remain.
 */
export type CursorHandler = (req: Value, ctx: HandlerContext) => { entries: Value[]; reply: Value };

export interface HandlerSet {
  unary: Record<string, UnaryHandler>;
  dump: Record<string, DumpHandler>;
  cursor?: Record<string, CursorHandler>;
}

export const u32 = (v: unknown): number => (typeof v === 'number' ? v >>> 0 : 0);
export const bool = (v: unknown): boolean => v === true || (typeof v === 'number' && v !== 0);
export const text = (v: unknown): string => (typeof v === 'string' ? v : '');
