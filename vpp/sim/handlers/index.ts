/** Every request the simulator implements, by message name. */
import { interfaceHandlers } from './interface.ts';
import { ipHandlers } from './ip.ts';
import { quirkHandlers } from './quirks.ts';
import type { CursorHandler, DumpHandler, HandlerSet, UnaryHandler } from './types.ts';
import { vpeHandlers } from './vpe.ts';

export type { CursorHandler, DumpHandler, HandlerContext, UnaryHandler } from './types.ts';

const SETS: HandlerSet[] = [vpeHandlers, interfaceHandlers, ipHandlers, quirkHandlers];

export const UNARY_HANDLERS: ReadonlyMap<string, UnaryHandler> = new Map(SETS.flatMap((s) => Object.entries(s.unary)));
export const DUMP_HANDLERS: ReadonlyMap<string, DumpHandler> = new Map(SETS.flatMap((s) => Object.entries(s.dump)));
export const CURSOR_HANDLERS: ReadonlyMap<string, CursorHandler> = new Map(
  SETS.flatMap((s) => Object.entries(s.cursor ?? {})),
);
