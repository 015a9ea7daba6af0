// Runs the built server-lite (packages/server-lite/dist/cli.js) as its own process on a loopback
// port, and posts profiles to it over HTTP.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const SERVER_DIR = join(here, '..', '..', 'packages', 'server-lite');

/** better-sqlite3 as server-lite resolves it, to inspect a data dir (read-only, or with the server stopped). */
export const Database = createRequire(join(SERVER_DIR, 'package.json'))('better-sqlite3');

/**
 * Starts the server on `dataDir`; resolves with { url, child, stop() } once it listens.
 * `serverDir`: a server-lite package directory (its dist/cli.js runs), default this checkout's;
 * `config`: a YAML config file passed as --config; `nodeArgs`: node flags (e.g. --cpu-prof).
 */
export async function startServer(dataDir, { serverDir = SERVER_DIR, config, nodeArgs = [] } = {}) {
  const cli = join(serverDir, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`cd ${serverDir} && node ../../scripts/build-package.mjs\` first`);
  const args = [...nodeArgs, cli, '--data-dir', dataDir, '--listen', '127.0.0.1:0', ...(config ? ['--config', config] : [])];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, KPROF_CONFIG: '' },
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`kprof-server exited with ${code}: ${out.slice(-2000)}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // A harness that dies must not leave its server behind.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  return {
    url,
    child,
    /** SIGTERM (graceful: flush, checkpoint, close) and wait for the exit. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Posts `count` profiles with `concurrency` requests in flight; `request(i)` gives
 * { params, body, headers? } for the i-th (default content type application/octet-stream).
 * Returns the wall time in ms. Retries 429 (backpressure).
 */
export async function ingestMany(url, count, concurrency, request) {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const { params, body, headers = { 'content-type': 'application/octet-stream' } } = request(i);
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(`${url}/ingest?${new URLSearchParams(params)}`, { method: 'POST', body, headers });
        const text = await res.text();
        if (res.status === 200) break;
        if (res.status !== 429 || attempt > 50) throw new Error(`ingest ${i} answered ${res.status}: ${text}`);
        await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - started;
}

/**
 * utime + stime of a process in seconds (clock ticks, USER_HZ = 100 on Linux): of every thread,
 * or of its main thread alone (/proc/<pid>/task/<pid>).
 */
export function cpuSecondsOf(pid, mainThreadOnly = false) {
  const path = mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
  const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * The SQLite files of a data dir, whichever layout its build writes: every `blocks/*.db` (one
 * block per time window and part), or the one `kprof.db` of builds before blocks.
 */
export function storeFiles(dataDir) {
  const blocks = join(dataDir, 'blocks');
  if (existsSync(blocks)) return readdirSync(blocks).filter((n) => n.endsWith('.db')).sort().map((n) => join(blocks, n));
  return existsSync(join(dataDir, 'kprof.db')) ? [join(dataDir, 'kprof.db')] : [];
}

/**
 * `fn(db, file)` on each of the data dir's SQLite files (storeFiles), opened with `options`
 * (default read-only) and closed after; returns the results. Throws when the dir has none.
 */
export function eachStoreDb(dataDir, fn, options = { readonly: true }) {
  const files = storeFiles(dataDir);
  if (files.length === 0) throw new Error(`${dataDir} holds neither blocks/*.db nor kprof.db`);
  return files.map((file) => {
    const db = new Database(file, options);
    try {
      return fn(db, file);
    } finally {
      db.close();
    }
  });
}

/**
 * Waits until no settled bucket (ended over a minute ago, so the builder would take it) is left in
 * the data dir's rollup queue (`rollup_pending` of every block, or of kprof.db): the background
 * builder has caught up. `serverDir`: the build that runs (its rollup levels). Returns ms waited.
 */
export async function waitForRollups(dataDir, { serverDir = SERVER_DIR, timeoutMs = 600_000 } = {}) {
  const { ROLLUP_LEVELS } = createRequire(import.meta.url)(join(resolve(serverDir), 'dist', 'store', 'rollup-levels.js'));
  const started = performance.now();
  for (;;) {
    let n = 0;
    // Files are listed again each time: a block may appear while the server works.
    eachStoreDb(dataDir, (db) => {
      const settled = db.prepare('SELECT count(*) AS n FROM rollup_pending WHERE level = ? AND bucket_start <= ?');
      for (const l of ROLLUP_LEVELS) n += settled.get(l.level, Date.now() - 61_000 - l.sizeMs).n;
    });
    if (n === 0) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`${n} rollup buckets still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** p-th percentile (0–100) of numbers, nearest rank. */
export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
