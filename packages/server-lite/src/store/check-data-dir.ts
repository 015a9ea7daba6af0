import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { BLOCK_SCHEMA_VERSION, readBlockMeta } from './block-schema.js';
import { blockFileName, parseBlockFileName } from './block-window.js';
import { unpackBlob } from './blob-packing.js';
import { decodeColumn } from './column-blob.js';
import { StackRows } from './stack-rows.js';
import { LEGACY_DB_FILE } from './legacy-import.js';
import { BLOCKS_DIR } from './profile-store.js';

/** What `kprof-server check` found in one block. */
export interface BlockCheck {
  readonly path: string;
  readonly rows: number;
  readonly stacks: number;
  readonly names: number;
  /** Problems that make data wrong or unreadable. */
  readonly errors: string[];
  /** Things left behind that hold space but harm no query. */
  readonly warnings: string[];
}

/** What `kprof-server check` found in a data directory. */
export interface DataDirCheck {
  readonly blocks: BlockCheck[];
  /** Problems outside any block (a legacy database waiting to be moved, stray files). */
  readonly notes: string[];
  readonly ok: boolean;
}

/**
 * Verifies a data directory without writing to it: every block opens and passes SQLite's
 * integrity check; its file name matches its window; every row's group, every group's series,
 * every stack id of every row and rollup resolve; every stack node's parent and name resolve; no
 * row lies outside the window; and nothing is left unreferenced (a series no group holds, a group
 * no row uses, a stack node on no stored stack's path, a name no node uses). Safe to run while
 * the server runs (read-only connections see committed data).
 */
export function checkDataDir(dataDir: string): DataDirCheck {
  const notes: string[] = [];
  if (existsSync(join(dataDir, LEGACY_DB_FILE))) {
    notes.push(`${join(dataDir, LEGACY_DB_FILE)} (kprof 0.1) has not been moved into blocks yet: start kprof-server on this data directory to finish the move`);
  }
  const dir = join(dataDir, BLOCKS_DIR);
  const names = existsSync(dir) ? readdirSync(dir) : [];
  for (const name of names) {
    if (parseBlockFileName(name) === undefined && !/-(wal|shm)$/.test(name)) notes.push(`${join(dir, name)} is not a block file; move it out of ${dir}`);
  }
  const blocks = names.filter((n) => parseBlockFileName(n) !== undefined).map((n) => checkBlock(join(dir, n)));
  return { blocks, notes, ok: blocks.every((b) => b.errors.length === 0 && b.warnings.length === 0) && notes.length === 0 };
}

function checkBlock(path: string): BlockCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    return { path, rows: 0, stacks: 0, names: 0, errors: [`cannot open: ${(err as Error).message}`], warnings };
  }
  try {
    return db.transaction(() => {
      const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
      if (integrity.join() !== 'ok') errors.push(`SQLite integrity check: ${integrity.slice(0, 5).join('; ')}`);
      const meta = readBlockMeta(db, path);
      if (basename(path) !== blockFileName(meta.startMs, meta.part)) errors.push(`file name does not match its window (${blockFileName(meta.startMs, meta.part)})`);

      const nameCount = db.prepare('SELECT count(*) FROM names').pluck().get() as number;
      for (const [name, n] of db.prepare('SELECT name, count(*) FROM names GROUP BY name HAVING count(*) > 1 LIMIT 5').raw().all() as [string, number][]) {
        errors.push(`name ${JSON.stringify(name.slice(0, 80))} is stored ${n} times`);
      }
      const maxName = (db.prepare('SELECT max(id) FROM names').pluck().get() as number | null) ?? 0;
      const parents: number[] = [0];
      const nameOf: number[] = [0];
      new StackRows(db).read(1, (id, parent, nameId) => {
        if (id !== parents.length) errors.push(`stack ids are not dense: ${id} after ${parents.length - 1}`);
        if (parent >= id || parent < 0) errors.push(`stack ${id} has parent ${parent}, not an earlier node`);
        if (nameId < 1 || nameId > maxName) errors.push(`stack ${id} names ${nameId}, not a name of the block`);
        parents[id] = parent;
        nameOf[id] = nameId;
      });
      const stackCount = parents.length;
      const used = new Uint8Array(stackCount);
      const useStack = (id: number, where: string): void => {
        if (!Number.isInteger(id) || id < 1 || id >= stackCount) {
          errors.push(`${where} refers to stack ${id}, not in the block (1..${stackCount - 1})`);
          return;
        }
        // Mark the node and its ancestors (stopping at the first already marked).
        for (let n = id; n > 0 && used[n] === 0; n = parents[n]!) used[n] = 1;
      };

      const series = new Set(db.prepare('SELECT id FROM series').pluck().all() as number[]);
      const groups = new Map<number, number[]>();
      for (const [g, col, s] of db.prepare('SELECT group_id, col, series_id FROM group_columns ORDER BY group_id, col').raw().iterate() as Iterable<[number, number, number]>) {
        const members = groups.get(g) ?? [];
        if (col !== members.length) errors.push(`row group ${g} has column ${col} after ${members.length} columns`);
        if (!series.has(s)) errors.push(`row group ${g} column ${col} holds series ${s}, which does not exist`);
        members.push(s);
        groups.set(g, members);
      }
      const usedGroups = new Set<number>();
      let rows = 0;
      for (const r of db.prepare('SELECT id, group_id, start_ms, samples FROM profiles').iterate() as Iterable<{ id: number; group_id: number; start_ms: number; samples: Uint8Array }>) {
        rows++;
        const members = groups.get(r.group_id);
        if (members === undefined) {
          errors.push(`profile row ${r.id} belongs to row group ${r.group_id}, which does not exist`);
          continue;
        }
        usedGroups.add(r.group_id);
        if (r.start_ms < meta.startMs || r.start_ms >= meta.endMs) errors.push(`profile row ${r.id} starts at ${r.start_ms}, outside the block's window`);
        try {
          const blob = unpackBlob(r.samples);
          for (let c = 0; c < members.length; c++) decodeColumn(blob, c, (id) => useStack(id, `profile row ${r.id}`));
        } catch (err) {
          errors.push(`profile row ${r.id}: ${(err as Error).message}`);
        }
      }
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version < BLOCK_SCHEMA_VERSION) warnings.push(`schema version ${version}: kprof-server upgrades it to ${BLOCK_SCHEMA_VERSION} on its next start (rollups are rebuilt)`);
      else {
        for (const r of db.prepare('SELECT id, group_id, samples FROM rollups').iterate() as Iterable<{ id: number; group_id: number; samples: Uint8Array }>) {
          const members = groups.get(r.group_id);
          if (members === undefined) {
            errors.push(`rollup ${r.id} belongs to row group ${r.group_id}, which does not exist`);
            continue;
          }
          try {
            const blob = unpackBlob(r.samples);
            for (let c = 0; c < members.length; c++) decodeColumn(blob, c, (id) => useStack(id, `rollup ${r.id}`));
          } catch (err) {
            errors.push(`rollup ${r.id}: ${(err as Error).message}`);
          }
        }
      }

      const grouped = new Set([...groups.values()].flat());
      const loneSeries = [...series].filter((s) => !grouped.has(s)).length;
      if (loneSeries > 0) warnings.push(`${loneSeries} series in no row group`);
      const emptyGroups = [...groups.keys()].filter((g) => !usedGroups.has(g)).length;
      if (emptyGroups > 0) warnings.push(`${emptyGroups} row groups without a profile`);
      let unusedStacks = 0;
      const usedNames = new Set<number>();
      for (let id = 1; id < stackCount; id++) {
        if (used[id] === 0) unusedStacks++;
        else usedNames.add(nameOf[id]!);
      }
      if (unusedStacks > 0) warnings.push(`${unusedStacks} stack nodes on no stored stack's path`);
      if (nameCount - usedNames.size > 0) warnings.push(`${nameCount - usedNames.size} names no stored stack uses`);
      return { path, rows, stacks: stackCount - 1, names: nameCount, errors: errors.slice(0, 20), warnings };
    })();
  } catch (err) {
    return { path, rows: 0, stacks: 0, names: 0, errors: [...errors, (err as Error).message], warnings };
  } finally {
    db.close();
  }
}

/** `kprof-server check`'s report as text, with what to do about each finding. */
export function formatCheck(report: DataDirCheck, dataDir: string): string {
  const lines: string[] = [`kprof-server check ${dataDir}: ${report.blocks.length} blocks`];
  for (const b of report.blocks) {
    const state = b.errors.length > 0 ? 'DAMAGED' : b.warnings.length > 0 ? 'untidy' : 'ok';
    lines.push(`  ${state.padEnd(7)} ${b.path}: ${b.rows} profile rows, ${b.stacks} stack nodes, ${b.names} names`);
    for (const e of b.errors) lines.push(`            error: ${e}`);
    for (const w of b.warnings) lines.push(`            unreferenced: ${w}`);
  }
  for (const n of report.notes) lines.push(`  ${n}`);
  const damaged = report.blocks.filter((b) => b.errors.length > 0);
  const untidy = report.blocks.filter((b) => b.errors.length === 0 && b.warnings.length > 0);
  if (damaged.length > 0) {
    lines.push(
      '',
      `${damaged.length} damaged block(s). Stop kprof-server, then restore them from a backup, or delete them (their windows' profiles are lost; the other blocks are not affected):`,
      ...damaged.map((b) => `  rm ${b.path} ${b.path}-wal ${b.path}-shm`),
    );
  }
  if (untidy.length > 0) {
    lines.push('', `${untidy.length} block(s) hold unreferenced rows: they cost disk only and go when their windows age out; delete the block (with the server stopped) to drop them now.`);
  }
  if (report.ok) lines.push('', 'everything checked out.');
  return `${lines.join('\n')}\n`;
}
