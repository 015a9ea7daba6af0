import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { IngestProfile, SeriesSamples } from '../model/ingest-profile.js';
import { Block, type LegacyRow } from './block.js';
import { decodeColumn } from './column-blob.js';
import type { ProfileStore } from './profile-store.js';

/** File name of kprof 0.1's single-file database inside the data directory. */
export const LEGACY_DB_FILE = 'kprof.db';

/** Options of {@link importLegacyStore}. */
export interface LegacyImportOptions {
  /** Rows older than `nowMs - maxAgeMs` are not carried over (retention would delete them at once). */
  readonly maxAgeMs: number;
  readonly nowMs: number;
  /** Rows read and written per step. Default 2,000. */
  readonly rowsPerStep?: number;
  /** Progress: rows done so far and in all, called after every step. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Moves the profiles of kprof 0.1's single-file database (`<data-dir>/kprof.db`, schema v1–v4,
 * upgraded to v4 in place first) into blocks, then deletes it. Each row is rebuilt as the profile
 * it was (its frames by name, its series by name and labels) and written to the block of its
 * window, so it gets that block's own names and stacks. Resumable: a block records the highest
 * legacy row id it took in the same transaction as the rows (block.ts `writeLegacyRows`), and a
 * restarted import skips the rows each block already has, so an interrupted import neither loses
 * nor repeats a profile. Returns the number of rows moved now (0 when there is no legacy file).
 */
export function importLegacyStore(dataDir: string, store: ProfileStore, opts: LegacyImportOptions): number {
  const path = join(dataDir, LEGACY_DB_FILE);
  if (!existsSync(path)) return 0;
  const legacy = Block.openLegacy(path);
  let moved = 0;
  try {
    const total = legacy.rowCount();
    const cutoffMs = opts.nowMs - opts.maxAgeMs;
    const step = opts.rowsPerStep ?? 2_000;
    let done = 0;
    for (let after = 0; ; ) {
      const rows = legacy.rows(after, step);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      done += rows.length;
      const kept = rows.filter((r) => r.startMs >= cutoffMs);
      moved += store.importLegacyRows(kept.map((r) => ({ rowId: r.id, profile: profileOf(legacy, r) })));
      opts.onProgress?.(done, total);
    }
  } finally {
    legacy.close();
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  return moved;
}

// A legacy row as the profile it was: one location per stack holding its frames (root first), one
// sample per stack, one series per column.
function profileOf(legacy: Block, row: LegacyRow): IngestProfile {
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const sampleOf = new Map<number, number>();
  const frameStart: number[] = [0];
  const frameNames: number[] = [];
  const series: SeriesSamples[] = row.series.map((s, col) => {
    const indices: number[] = [];
    const values: number[] = [];
    decodeColumn(row.samples, col, (stackId, value) => {
      let sample = sampleOf.get(stackId);
      if (sample === undefined) {
        sample = sampleOf.size;
        sampleOf.set(stackId, sample);
        for (const frame of legacy.frames(stackId)) {
          let n = nameIndex.get(frame);
          if (n === undefined) nameIndex.set(frame, (n = names.push(frame) - 1));
          frameNames.push(n);
        }
        frameStart.push(frameNames.length);
      }
      indices.push(sample);
      values.push(value);
    });
    return { series: { name: s.name, labels: s.labels, meta: s.meta }, sampleIndices: Int32Array.from(indices), values: Float64Array.from(values) };
  });
  const count = sampleOf.size;
  return {
    startMs: row.startMs,
    endMs: row.endMs,
    names,
    frameStart: Int32Array.from(frameStart),
    frameNames: Int32Array.from(frameNames),
    stackStart: Int32Array.from({ length: count + 1 }, (_v, i) => i),
    stackLocs: Int32Array.from({ length: count }, (_v, i) => i),
    series,
    receivedBytes: 0,
  };
}
