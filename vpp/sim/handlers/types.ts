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

/** Returns the details of a dump, produced as they are written. */
export type DumpHandler = (req: Value, ctx: HandlerContext) => Iterable<Value>;

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
