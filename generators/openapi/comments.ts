/**
 * VPP's doc comments split into what OpenAPI shows: a one-line summary, the
 * free text, and each `@param` line as the description of its field.
 */
import { commentLines } from '../proto/emit-proto.ts';

export interface DocComment {
  /** the first line of the text, or '' */
  summary: string;
  /** the whole text without the `@param` lines */
  text: string;
  /** field name → description, in the comment's order */
  params: Map<string, string>;
}

const PARAM = /^@param\s+([A-Za-z_]\w*)(?:\[\])?\s*[-:]?\s*(.*)$/;

/** The same clean-up as the proto comments (no comment markers, no `\brief`), as plain lines. */
function plainLines(comment: string): string[] {
  return commentLines(comment, '').map((l) => l.replace(/^\/\/ ?/, '').replace(/^@brief\s*/, ''));
}

export function parseComment(comment: string | undefined): DocComment {
  const params = new Map<string, string>();
  if (!comment) return { summary: '', text: '', params };
  const text: string[] = [];
  let current: string | undefined;
  for (const raw of plainLines(comment)) {
    const line = raw.trim();
    const m = PARAM.exec(line);
    if (m) {
      current = m[1]!;
      params.set(current, m[2]!.trim());
    } else if (current !== undefined && line !== '' && !line.startsWith('@')) {
      // a continuation of the @param above it
      params.set(current, `${params.get(current)} ${line}`.trim());
    } else {
      current = undefined;
      text.push(line);
    }
  }
  while (text.length && text[text.length - 1] === '') text.pop();
  while (text.length && text[0] === '') text.shift();
  return { summary: text[0] ?? '', text: text.join('\n'), params };
}
