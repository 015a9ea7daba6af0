import type { FlameData } from './flamebearer.js';

/** Frames whose name contains the search term, and their share of the profile. */
export interface SearchResult {
  /** 1 where the node's name matches. */
  readonly matched: Uint8Array;
  readonly frames: number;
  /** Ticks under matching frames, counted once where matches nest (recursion). */
  readonly ticks: number;
}

/** Case-insensitive substring match over every node; empty term matches nothing. */
export function matchSearch(data: FlameData, term: string): SearchResult {
  const n = data.name.length;
  const matched = new Uint8Array(n);
  const t = term.trim().toLowerCase();
  if (t === '') return { matched, frames: 0, ticks: 0 };
  const nameHit = data.names.map((s) => s.toLowerCase().includes(t));
  const covered = new Uint8Array(n);
  let frames = 0;
  let ticks = 0;
  // Nodes are stored row by row, so a parent is always visited before its children.
  for (let i = 0; i < n; i++) {
    const p = data.parent[i] as number;
    const under = p >= 0 && ((matched[p] as number) === 1 || (covered[p] as number) === 1);
    if (under) covered[i] = 1;
    if (nameHit[data.name[i] as number]) {
      matched[i] = 1;
      frames++;
      if (!under) ticks += data.total[i] as number;
    }
  }
  return { matched, frames, ticks };
}
