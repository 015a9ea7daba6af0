/** A block's time window, unix ms, half-open [startMs, endMs). */
export interface BlockWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** The window of `durationMs` (epoch-aligned) holding `timeMs`. */
export function windowOf(timeMs: number, durationMs: number): BlockWindow {
  const startMs = Math.floor(timeMs / durationMs) * durationMs;
  return { startMs, endMs: startMs + durationMs };
}

// `<window start, unix ms>-<part>.db`: sorting the names by their numbers sorts blocks by time.
const BLOCK_FILE = /^(\d{1,16})-(\d{1,6})\.db$/;

/** File name of a block. */
export function blockFileName(startMs: number, part: number): string {
  return `${startMs}-${part}.db`;
}

/** The window start and part a block file name says, or undefined for another file. */
export function parseBlockFileName(name: string): { startMs: number; part: number } | undefined {
  const m = BLOCK_FILE.exec(name);
  return m === null ? undefined : { startMs: Number(m[1]), part: Number(m[2]) };
}
