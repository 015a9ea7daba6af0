import { type Document, LineCounter, isNode, parseDocument } from 'yaml';

/** A parsed YAML file that can say on which line a config path sits. */
export interface YamlSource {
  /** The document as plain JS values (`undefined` for an empty file). */
  readonly value: unknown;
  /** Syntax errors, each `file:line:col: message`. */
  readonly syntaxErrors: string[];
  /** Line (1-based) of the deepest node `path` (e.g. `scrape-configs[0].job-name`) reaches, if any. */
  lineOf(path: string): number | undefined;
}

/** Most bytes a config file may have; a config is small, and YAML aliases can expand. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Parses YAML text, keeping positions for error messages. `file` only labels messages. */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  // maxAliasCount bounds "billion laughs" expansion.
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxErrors = doc.errors.map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    return `${file}:${pos.line}:${pos.col}: ${e.message.split('\n')[0] ?? e.message}`;
  });
  const value = syntaxErrors.length === 0 ? doc.toJS({ maxAliasCount: 100 }) : undefined;
  return {
    value: value === null ? undefined : value,
    syntaxErrors,
    lineOf(path: string): number | undefined {
      const keys: (string | number)[] = [];
      for (const m of path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)) keys.push(m[1] !== undefined ? Number(m[1]) : (m[2] as string));
      for (let n = keys.length; n > 0; n--) {
        // Point at the key (`storge:`), not at its value, which may start lines later.
        const parent = n > 1 ? doc.getIn(keys.slice(0, n - 1), true) : doc.contents;
        const keyNode = findKeyNode(parent, keys[n - 1]);
        if (keyNode !== undefined) return lineCounter.linePos(keyNode).line;
        const node = doc.getIn(keys.slice(0, n), true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

function findKeyNode(parent: unknown, key: string | number | undefined): number | undefined {
  if (typeof parent !== 'object' || parent === null || !('items' in parent)) return undefined;
  const items = (parent as { items: unknown[] }).items;
  for (const item of items) {
    if (typeof item !== 'object' || item === null || !('key' in item)) continue;
    const k = (item as { key: unknown }).key;
    if (isNode(k) && k.range && (k as unknown as { value?: unknown }).value === key) return k.range[0];
  }
  return undefined;
}
