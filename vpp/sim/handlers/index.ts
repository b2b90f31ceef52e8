/** Every request the simulator implements, by message name. */
import { aclHandlers } from './acl.ts';
import { interfaceHandlers } from './interface.ts';
import { ipHandlers } from './ip.ts';
import { ipipHandlers } from './ipip.ts';
import { l2Handlers } from './l2.ts';
import { neighborHandlers } from './neighbor.ts';
import { quirkHandlers } from './quirks.ts';
import type { CursorHandler, DumpHandler, HandlerSet, UnaryHandler } from './types.ts';
import { vpeHandlers } from './vpe.ts';

export type { CursorHandler, DumpHandler, HandlerContext, UnaryHandler } from './types.ts';

const SETS: HandlerSet[] = [
  vpeHandlers,
  interfaceHandlers,
  ipHandlers,
  neighborHandlers,
  aclHandlers,
  l2Handlers,
  ipipHandlers,
  quirkHandlers,
];

export const UNARY_HANDLERS: ReadonlyMap<string, UnaryHandler> = new Map(SETS.flatMap((s) => Object.entries(s.unary)));
export const DUMP_HANDLERS: ReadonlyMap<string, DumpHandler> = new Map(SETS.flatMap((s) => Object.entries(s.dump)));
export const CURSOR_HANDLERS: ReadonlyMap<string, CursorHandler> = new Map(
  SETS.flatMap((s) => Object.entries(s.cursor ?? {})),
);
