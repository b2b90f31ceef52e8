/**
 * The OpenAPI document one module (one tag) at a time. The whole document
 * has a thousand operations and 4 MB: Swagger UI takes tens of seconds to
 * resolve and draw it on a busy machine, while one module's part opens in a
 * second or two. A module's document holds the operations of its tag and the
 * components they reach through `$ref`, nothing else; the docs page offers
 * every module in its top bar, and the whole document stays at /openapi.json.
 */

interface Document {
  tags?: { name: string }[];
  paths?: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown> | undefined>;
  [key: string]: unknown;
}

const REF_PREFIX = '#/components/';
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** The tags that have operations, in the document's order of tags (then any it does not list). */
export function moduleNames(doc: Document): string[] {
  const used = new Set<string>();
  for (const item of Object.values(doc.paths ?? {}))
    for (const [method, op] of Object.entries(item))
      if (HTTP_METHODS.has(method)) for (const t of tagsOf(op)) used.add(t);
  const listed = (doc.tags ?? []).map((t) => t.name).filter((t) => used.has(t));
  return [...listed, ...[...used].filter((t) => !listed.includes(t))];
}

function tagsOf(op: unknown): string[] {
  const tags = (op as { tags?: unknown }).tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

/** The document of the operations tagged `tag` (undefined when none is), with the components they use. */
export function moduleDocument(doc: Document, tag: string): Document | undefined {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    let kept: Record<string, unknown> | undefined;
    for (const [method, op] of Object.entries(item))
      if (HTTP_METHODS.has(method) && tagsOf(op).includes(tag)) (kept ??= {})[method] = op;
    if (!kept) continue;
    // what a path item says for all its operations (shared parameters, a summary) goes with them
    for (const [key, v] of Object.entries(item)) if (!HTTP_METHODS.has(key)) kept[key] = v;
    paths[path] = kept;
  }
  if (Object.keys(paths).length === 0) return undefined;
  return {
    ...doc,
    tags: (doc.tags ?? []).filter((t) => t.name === tag),
    paths,
    components: reachedComponents(doc.components ?? {}, paths),
  };
}

/** The components `from` refers to, directly or through other components; security schemes all. */
function reachedComponents(
  components: NonNullable<Document['components']>,
  from: unknown,
): NonNullable<Document['components']> {
  const out: NonNullable<Document['components']> = {};
  if (components.securitySchemes) out.securitySchemes = components.securitySchemes;
  const queue: unknown[] = [from];
  const seen = new Set<string>();
  while (queue.length > 0) {
    for (const ref of refsIn(queue.pop())) {
      if (seen.has(ref)) continue;
      seen.add(ref);
      const [kind, name] = ref.slice(REF_PREFIX.length).split('/', 2) as [string, string];
      const target = components[kind]?.[name];
      if (target === undefined) continue;
      (out[kind] ??= {})[name] = target;
      queue.push(target);
    }
  }
  return out;
}

/** Every local component `$ref` in a JSON value. */
function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX)) out.push(v);
      else refsIn(v, out);
    }
  return out;
}
