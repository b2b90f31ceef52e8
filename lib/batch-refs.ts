/**
 * Refs in batch lines: an index field of a request taken from the reply of an
 * earlier line, so that a configuration applies to a VPP that numbers its
 * objects otherwise. The journal's export writes them; `vpp-rpc apply` and the
 * gateway's `POST /batch` read them:
 *
 *   {"rpc": "Interface/SwInterfaceSetFlags", "id": 6, "request": {"sw_if_index": 2, …},
 *    "refs": [{"field": "sw_if_index", "item": 2, "reply_field": "sw_if_index"}]}
 *
 * puts into `sw_if_index` what the reply of the line with id 2 has in its own.
 */

export interface BatchRef {
  /** where in the request, as errors name fields: `sw_if_index`, `route.paths[0].sw_if_index` */
  field: string;
  /** the id of an earlier line */
  item: string;
  /** the field of that line's reply */
  reply_field: string;
}

export class BatchRefError extends Error {
  override name = 'BatchRefError';
}

const SHAPE = '{"field": "sw_if_index", "item": <an earlier line\'s id>, "reply_field": "sw_if_index"}';

/** A line's `refs` (absent: none); throws BatchRefError when it is not a list of refs. */
export function parseRefs(refs: unknown): BatchRef[] {
  if (refs === undefined || refs === null) return [];
  if (!Array.isArray(refs)) throw new BatchRefError(`a list of ${SHAPE}`);
  return refs.map((r: unknown, i) => {
    const x = r as Record<string, unknown> | null;
    const ok =
      x !== null &&
      typeof x === 'object' &&
      typeof x.field === 'string' &&
      typeof x.reply_field === 'string' &&
      (typeof x.item === 'string' || typeof x.item === 'number');
    if (!ok) throw new BatchRefError(`[${i}]: ${SHAPE}`);
    return { field: x.field as string, item: String(x.item), reply_field: x.reply_field as string };
  });
}

/** `route.paths[0].sw_if_index` → ['route', 'paths', 0, 'sw_if_index'] */
export function parseFieldPath(field: string): (string | number)[] {
  return field
    .split(/\.|\[(\d+)\]/)
    .flatMap((p, i): (string | number)[] => (p === undefined || p === '' ? [] : i % 2 ? [Number(p)] : [p]));
}

/** ['route', 'paths', 0, 'sw_if_index'] → `route.paths[0].sw_if_index` */
export function formatFieldPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * The numbers a reply hands out that a later line may take: its `*index`
 * fields, but for `stats_index` (a counter's slot). Undefined when none.
 */
export function replyIndexes(reply: Record<string, unknown>): Record<string, number> | undefined {
  let out: Record<string, number> | undefined;
  for (const [k, v] of Object.entries(reply))
    if (k.endsWith('index') && k !== 'stats_index' && typeof v === 'number') (out ??= {})[k] = v;
  return out;
}

/**
 * Sets each ref's field in `request` (a JSON object) to the number the named
 * line's reply holds (`replies`: by line id); throws BatchRefError naming the
 * line when there is none.
 */
export function applyRefs(request: unknown, refs: BatchRef[], replies: Map<string, Record<string, number>>): void {
  for (const r of refs) {
    const reply = replies.get(r.item);
    const n = reply?.[r.reply_field];
    if (n === undefined)
      throw new BatchRefError(
        `line ${r.item} ${reply ? `has no ${r.reply_field} in its reply` : 'was not answered with success before this one'}`,
      );
    const path = parseFieldPath(r.field);
    if (path.length === 0) throw new BatchRefError(`"${r.field}" names no field`);
    let v = request as Record<string | number, unknown>;
    for (const step of path.slice(0, -1)) {
      const next = v[step];
      v = (next !== null && typeof next === 'object' ? next : (v[step] = {})) as Record<string | number, unknown>;
    }
    v[path.at(-1)!] = n;
  }
}
