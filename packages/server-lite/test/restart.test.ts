import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { BLOCKS_DIR, ProfileStore } from '../src/store/profile-store.js';
import { buildGoBurn, makeTempDir } from './helpers/profiles.js';
import { get, ingest, startTestServer } from './helpers/test-server.js';
import { startServerLiteCli } from '@kprof/test-support';

const tmp = makeTempDir('kprof-restart-');
let goProfile: Buffer;
const now = Math.floor(Date.now() / 1000);
const range = { from: String(now - 10), until: String(now) };

beforeAll(async () => {
  const burn = await buildGoBurn(tmp.dir);
  goProfile = readFileSync(await burn('go.pprof', 300));
});
afterAll(() => tmp.cleanup());

async function post(url: string, name: string): Promise<number> {
  const qs = new URLSearchParams({ format: 'pprof', name, ...range }).toString();
  try {
    const res = await fetch(`${url}/ingest?${qs}`, { method: 'POST', body: goProfile, headers: { 'content-type': 'application/octet-stream' } });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

describe('durability', () => {
  it('keeps data across a restart', async () => {
    const dataDir = join(tmp.dir, 'db-restart');
    const first = await startTestServer(dataDir, '', { closeOnFinish: false });
    expect((await ingest(first, { format: 'pprof', name: 'keep{env=prod}', ...range }, goProfile)).status).toBe(200);
    const before = await get(first, '/render', { query: 'keep.cpu{env="prod"}', from: 'now-1h', format: 'collapsed' });
    await first.close();

    const second = await startTestServer(dataDir);
    const after = await get(second, '/render', { query: 'keep.cpu{env="prod"}', from: 'now-1h', format: 'collapsed' });
    expect(after.text.length).toBeGreaterThan(0);
    expect(after.text).toBe(before.text);
    // New stacks after the restart get fresh ids that do not collide with the loaded trie.
    expect((await ingest(second, { name: 'fresh.cpu', ...range }, 'x;y 4\nruntime.main;z 1\n', { 'content-type': 'text/plain' })).status).toBe(200);
    expect((await get(second, '/render', { query: 'fresh.cpu', from: 'now-1h', format: 'collapsed' })).text).toBe('runtime.main;z 1\nx;y 4\n');
    expect((await get(second, '/render', { query: 'keep.cpu', from: 'now-1h', format: 'collapsed' })).text).toBe(before.text);
  });

  it('SIGTERM finishes in-flight ingests, then exits 0', async () => {
    const dataDir = join(tmp.dir, 'db-sigterm');
    const server = await startServerLiteCli(['--data-dir', dataDir]);
    const names = Array.from({ length: 20 }, (_, i) => `term${i}`);
    const inflight = names.map((n) => post(server.url, n));
    // Signal once the first request was answered, while others are still in flight.
    await Promise.race(inflight);
    server.child.kill('SIGTERM');
    const statuses = await Promise.all(inflight);
    expect(await server.exited).toBe(0);
    // A clean stop checkpoints every block: no WAL or shared-memory file is left beside it, also
    // after a restart on blocks that both the writer and the query connections opened.
    expect(readdirSync(join(dataDir, BLOCKS_DIR)).filter((f) => !f.endsWith('.db'))).toEqual([]);
    const again = await startServerLiteCli(['--data-dir', dataDir]);
    expect(await again.stop()).toBe(0);
    expect(readdirSync(join(dataDir, BLOCKS_DIR)).filter((f) => !f.endsWith('.db'))).toEqual([]);
    const acked = names.filter((_, i) => statuses[i] === 200);
    expect(acked.length).toBeGreaterThan(0);
    const store = ProfileStore.open(dataDir);
    onTestFinished(() => store.close());
    const stored = new Set(store.series().map((s) => s.name));
    for (const n of acked) expect(stored).toContain(`${n}.cpu`);
  });

  it('kill -9 during sustained ingest loses nothing acknowledged and leaves an intact database', async () => {
    const dataDir = join(tmp.dir, 'db-kill');
    const server = await startServerLiteCli(['--data-dir', dataDir]);
    const acked: string[] = [];
    let stop = false;
    let n = 0;
    const worker = async (): Promise<void> => {
      while (!stop) {
        const name = `kill${n++}`;
        if ((await post(server.url, name)) === 200) acked.push(name);
      }
    };
    const workers = [worker(), worker(), worker(), worker()];
    await expect.poll(() => acked.length, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(40);
    server.child.kill('SIGKILL');
    await server.exited;
    stop = true;
    await Promise.all(workers);

    const store = ProfileStore.open(dataDir);
    onTestFinished(() => store.close());
    expect(store.integrityCheck()).toBe('ok');
    const stored = new Set(store.series().map((s) => s.name));
    const missing = acked.filter((a) => !stored.has(`${a}.cpu`));
    expect(missing).toEqual([]);
  });
});
