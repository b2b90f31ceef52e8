/** Field-for-field comparison of JSON values: the paths where two values differ. */

/** `a` and `b` compared in depth; each difference as `path: a → b`, paths like `x.y[2].z`. */
export function jsonDiff(a: unknown, b: unknown, path = ''): string[] {
  if (Object.is(a, b)) return [];
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    if (a.length !== b.length) out.push(`${path || '.'}: ${a.length} elements → ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) out.push(...jsonDiff(a[i], b[i], `${path}[${i}]`));
    return out;
  }
  if (isObject(a) && isObject(b)) {
    const out: string[] = [];
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      out.push(...jsonDiff(a[k], b[k], path ? `${path}.${k}` : k));
    return out;
  }
  return [`${path || '.'}: ${show(a)} → ${show(b)}`];
}

/** The paths of jsonDiff's lines, with array indexes kept. */
export function diffPaths(diff: string[]): Set<string> {
  return new Set(diff.map((d) => d.slice(0, d.indexOf(': '))));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
