/** One label matcher of a FlameQL query. */
export interface LabelMatcher {
  key: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** A FlameQL query split into its series name and matchers. */
export interface ParsedQuery {
  name: string;
  matchers: LabelMatcher[];
}

const MATCHER = /\s*([A-Za-z0-9_]+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

/**
 * Splits `app.cpu{k="v",k2!~"re"}` for the query bar. Anything it cannot read is kept as
 * the name so the server, which owns the grammar, reports the error.
 */
export function parseQuery(q: string): ParsedQuery {
  const brace = q.indexOf('{');
  if (brace < 0 || !q.trimEnd().endsWith('}')) return { name: q.trim(), matchers: [] };
  const name = q.slice(0, brace).trim();
  const body = q.trimEnd().slice(brace + 1, -1);
  const matchers: LabelMatcher[] = [];
  MATCHER.lastIndex = 0;
  while (MATCHER.lastIndex < body.length) {
    const at = MATCHER.lastIndex;
    const m = MATCHER.exec(body);
    if (!m || MATCHER.lastIndex === at) {
      if (body.slice(at).trim() === '') break;
      return { name: q.trim(), matchers: [] };
    }
    matchers.push({ key: m[1] as string, op: m[2] as LabelMatcher['op'], value: (m[3] as string).replace(/\\(.)/g, '$1') });
  }
  return { name, matchers };
}

/** Inverse of {@link parseQuery}; values are quoted and escaped. */
export function formatQuery(q: ParsedQuery): string {
  const ms = q.matchers.filter((m) => m.key !== '');
  if (ms.length === 0) return q.name;
  return `${q.name}{${ms.map((m) => `${m.key}${m.op}"${m.value.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}
