// `kprof-server check` on real data directories: clean after real ingests and rollups, and each
// kind of damage or leftover found, reported with what to do, and turned into exit code 1.
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDataDir } from '../src/store/check-data-dir.js';
import { LEGACY_DB_FILE } from '../src/store/legacy-import.js';
import { BLOCKS_DIR } from '../src/store/profile-store.js';
import { makeTempDir } from './helpers/profiles.js';
import { ingest, startTestServer } from './helpers/test-server.js';

const tmp = makeTempDir('kprof-check-');
afterAll(() => tmp.cleanup());
const nowS = Math.floor(Date.now() / 1000);

// A data directory written by a real server: two apps, a few profiles, rollups built.
async function filled(name: string): Promise<{ dataDir: string; block: string }> {
  const dataDir = join(tmp.dir, name);
  const server = await startTestServer(dataDir, '', { closeOnFinish: false });
  for (let i = 0; i < 5; i++) {
    const from = String(nowS - 60 + i * 10);
    expect((await ingest(server, { name: 'a.cpu{env=x}', from, until: from }, `main;work;leaf${i} ${i + 1}\nmain;gc 1\n`, { 'content-type': 'text/plain' })).status).toBe(200);
    expect((await ingest(server, { name: 'b.cpu', from, until: from }, 'main;idle 2\n', { 'content-type': 'text/plain' })).status).toBe(200);
  }
  await server.maintenance.buildRollups(Date.now() + 3_600_000, { settleMs: 0, budgetMs: 60_000 });
  const block = server.store.blocks[0]!.path;
  await server.close();
  return { dataDir, block };
}

function cli(dataDir: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'src', 'cli.ts'), 'check', '--data-dir', dataDir], {
    encoding: 'utf8',
    env: { ...process.env, KPROF_CONFIG: '' },
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('kprof-server check', () => {
  it('finds nothing wrong in what a server wrote, and exits 0', async () => {
    const { dataDir } = await filled('clean');
    const report = checkDataDir(dataDir);
    expect(report.blocks.length).toBeGreaterThan(0);
    expect(report.blocks.map((b) => [b.errors, b.warnings])).toEqual(report.blocks.map(() => [[], []]));
    expect(report.blocks.reduce((n, b) => n + b.rows, 0)).toBe(10);
    const { status, out } = cli(dataDir);
    expect(out).toContain('everything checked out');
    expect(status).toBe(0);
  });

  it.each([
    {
      name: 'a row referring to a stack the block does not have',
      damage: (db: Database.Database) => {
        const row = db.prepare('SELECT group_id, start_ms, end_ms, total, samples FROM profiles LIMIT 1').get() as Record<string, unknown>;
        // A one-column blob of stack id 999 (value 1): varint delta 999 = 0xe7 0x07, value 1.
        db.prepare('INSERT INTO profiles (group_id, start_ms, end_ms, total, samples) VALUES (?, ?, ?, 1, ?)').run(row.group_id, row.start_ms, row.end_ms, Buffer.from([0xe7, 0x07, 0x01]));
      },
      error: /refers to stack 999/,
    },
    {
      name: 'a row of a row group that does not exist',
      damage: (db: Database.Database) => {
        db.prepare('INSERT INTO profiles (group_id, start_ms, end_ms, total, samples) SELECT 777, start_ms, end_ms, total, samples FROM profiles LIMIT 1').run();
      },
      error: /row group 777, which does not exist/,
    },
    {
      name: 'a stack node on no stored path and a name nothing uses',
      damage: (db: Database.Database) => {
        const nextName = (db.prepare('SELECT max(id) + 1 FROM names').pluck().get() as number) ?? 1;
        db.prepare('INSERT INTO names (id, name) VALUES (?, ?), (?, ?)').run(nextName, 'orphan', nextName + 1, 'unused');
        // One more chunk (stack-rows.ts): a node under the root, as varints of (id - parent) and its name.
        const id = db.prepare('SELECT max(first_id + count) FROM stack_chunks').pluck().get() as number;
        db.prepare('INSERT INTO stack_chunks (first_id, count, nodes) VALUES (?, 1, ?)').run(id, Buffer.from([...varint(id), ...varint(nextName)]));
      },
      warning: /1 stack nodes on no stored stack's path.*|2 names no stored stack uses/,
    },
  ])('$name', async ({ damage, error, warning }) => {
    const { dataDir, block } = await filled(Math.random().toString(36).slice(2));
    const db = new Database(block);
    damage(db);
    db.close();
    const report = checkDataDir(dataDir);
    const found = report.blocks.find((b) => b.path === block)!;
    if (error !== undefined) expect(found.errors.join('\n')).toMatch(error);
    if (warning !== undefined) expect(found.warnings.join('\n')).toMatch(warning);
    expect(report.ok).toBe(false);
    const { status, out } = cli(dataDir);
    expect(status).toBe(1);
    expect(out).toContain(error !== undefined ? `rm ${block}` : 'unreferenced');
  });

  it('notes a kprof 0.1 database not moved yet and a stray file in the blocks directory', async () => {
    const { dataDir } = await filled('notes');
    copyFileSync(join(__dirname, 'fixtures', 'legacy-store', 'kprof-v4.db'), join(dataDir, LEGACY_DB_FILE));
    writeFileSync(join(dataDir, BLOCKS_DIR, 'notes.txt'), 'hello');
    const report = checkDataDir(dataDir);
    expect(report.notes).toEqual([expect.stringContaining('start kprof-server on this data directory'), expect.stringContaining('is not a block file')]);
    expect(report.ok).toBe(false);
  });
});

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
