// A server must run for months of deploys: what it learns (names, stacks, series) has to end
// with the data. Real kprof-server processes: profiles whose function names never repeat (what
// deploys do to generated names) age out under `storage.max-age: 1m`, and afterwards the data
// directory is small again and a restarted server starts as small as a fresh one.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './helpers/profiles.js';
import { type ServerLiteCli, startServerLiteCli } from '@kprof/test-support';

const tmp = makeTempDir('kprof-churn-');
afterAll(() => tmp.cleanup());
// 500 profiles × 200 stacks of two never-repeating names: 200,000 names and stack nodes.
const PROFILES = 500;
const STACKS = 200;

// A real kprof-server with `config` as its config file, once it answers /ready.
async function start(dataDir: string, config: string): Promise<ServerLiteCli> {
  const configFile = join(tmp.dir, `${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(configFile, config);
  const server = await startServerLiteCli(['--config', configFile, '--data-dir', dataDir]);
  expect((await fetch(`${server.url}/ready`)).status).toBe(200);
  return server;
}

/** Resident memory of a process, bytes. */
function rss(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  return n;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
}

describe('churn: names that never repeat age out with their data', () => {
  it('after the data aged out and a restart, the data directory is ≤ 25 % of its peak and the server as small as a fresh one (+40 MB)', async () => {
    const fresh = await start(join(tmp.dir, 'fresh'), '');
    const freshRss = rss(fresh.child.pid!);
    await fresh.stop();

    const dataDir = join(tmp.dir, 'churn');
    const config = 'storage:\n  max-age: 1m\n  block-duration: 1m\n  retention-interval: 1s\n';
    const server = await start(dataDir, config);
    // Stamped 55 s ago: inside max-age when written, out of it within a minute.
    const fromS = Math.floor(Date.now() / 1000) - 55;
    for (let p = 0; p < PROFILES; p += 20) {
      const statuses = await Promise.all(
        Array.from({ length: 20 }, async (_, k) => {
          const i = p + k;
          const body = Array.from({ length: STACKS }, (_v, s) => `handler_${i}_${s}_${Math.random().toString(36).slice(2, 8)};anonymous_${i}_${s} 1`).join('\n');
          const res = await fetch(`${server.url}/ingest?name=churn.cpu&from=${fromS}&until=${fromS + 1}`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
          return res.status;
        }),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
    }
    const peakBytes = dirBytes(dataDir);
    expect(await metric(server.url, 'kprof_store_blocks')).toBeGreaterThan(0);
    // Retention deletes the blocks once their window has aged out (a minute or two from now).
    await expect.poll(() => metric(server.url, 'kprof_store_blocks'), { timeout: 150_000, interval: 500 }).toBe(0);
    const labels = (await (await fetch(`${server.url}/label-values?label=__name__`)).json()) as string[];
    expect(labels).toEqual([]);
    await server.stop();

    const restarted = await start(dataDir, config);
    const restartedRss = rss(restarted.child.pid!);
    const afterBytes = dirBytes(dataDir);
    await restarted.stop();
    expect(peakBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(afterBytes).toBeLessThanOrEqual(peakBytes * 0.25);
    expect(restartedRss).toBeLessThanOrEqual(freshRss + 40 * 1024 * 1024);
  }, 300_000);
});
