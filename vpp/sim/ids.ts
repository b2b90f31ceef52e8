/**
 * The message table a simulated VPP announces in sockclnt_create_reply.
 *
 * VPP numbers memclnt's messages first, from 1 in file order (so
 * sockclnt_create is 15 and control_ping 23), then gives every other module a
 * block of consecutive ids in the order it registers them, which differs from
 * build to build. Here that order comes from a seed: seed 0 is alphabetical,
 * any other seed a shuffle, so that a restart (the next seed) moves every
 * non-memclnt message to a new id.
 */
import type { ApiModel, ModuleDef } from '../api/model.ts';

export const MEMCLNT = 'memclnt';

export interface TableOptions {
  seed: number;
  /** messages this "VPP" does not have (as when their plugin is not loaded) */
  omit?: Iterable<string>;
  /** messages this "VPP" has with another CRC (`0x…`), as another release would */
  crc?: Record<string, string>;
}

export interface SimMessageTable {
  /** runtime id by message name */
  readonly idOf: ReadonlyMap<string, number>;
  /** message name by runtime id (undefined: no such id) */
  readonly nameOf: readonly (string | undefined)[];
  /** `{index, name_crc}` for sockclnt_create_reply, in id order */
  readonly entries: readonly { index: number; name: string }[];
}

/** mulberry32: a small PRNG that gives the same order on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** memclnt first, then the other modules in the order `seed` gives. */
export function moduleOrder(model: ApiModel, seed: number): ModuleDef[] {
  const memclnt = model.modules.filter((m) => m.name === MEMCLNT);
  const rest = model.modules.filter((m) => m.name !== MEMCLNT).sort((a, b) => a.name.localeCompare(b.name));
  if (seed !== 0) {
    const next = random(seed);
    for (let i = rest.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [rest[i], rest[j]] = [rest[j]!, rest[i]!];
    }
  }
  return [...memclnt, ...rest];
}

export function buildMessageTable(model: ApiModel, opts: TableOptions): SimMessageTable {
  const omit = new Set(opts.omit ?? []);
  const idOf = new Map<string, number>();
  const nameOf: (string | undefined)[] = [undefined];
  const entries: { index: number; name: string }[] = [];
  for (const mod of moduleOrder(model, opts.seed))
    for (const msg of mod.messages) {
      // an absent message still takes its id: the block of its module keeps its size
      const id = nameOf.length;
      nameOf.push(undefined);
      if (omit.has(msg.name)) continue;
      const crc = opts.crc?.[msg.name] ?? msg.crc;
      idOf.set(msg.name, id);
      nameOf[id] = msg.name;
      entries.push({ index: id, name: `${msg.name}_${crc.replace(/^0x/, '')}` });
    }
  if (nameOf.length > 0x10000) throw new Error(`${nameOf.length - 1} messages do not fit VPP's 16-bit ids`);
  return { idOf, nameOf, entries };
}
