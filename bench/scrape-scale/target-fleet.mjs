#!/usr/bin/env node
// The scrape targets of the scrape-scale benchmark: one Node process that plays N Go services,
// each on its own loopback address (127.0.x.y, all routed to lo on Linux) and the same port,
// serving real Go net/http/pprof bytes captured from examples/go-service.
//
// - /debug/pprof/profile?seconds=S answers after S seconds (as runtime/pprof does), with that
//   target's CPU profile: a captured one with every value scaled by a per-target factor, so no
//   two targets send identical bytes.
// - /debug/pprof/heap answers at once with that target's heap profile, whose cumulative alloc_*
//   values grow with every scrape (as a live Go process's do), so scraper-side deltas are real.
//
// Run with `fork()`: it sends {type:'ready', port, addresses} once every address listens and
// answers {type:'stats'} with request counts and, per target and profile, how regular the
// requests were: a gap between two requests over interval + margin (10 %, at least 1 s) counts as
// late, a gap of 1.5 intervals or more as missed slots — the scraper's punctuality seen from the
// targets' side. Flags: --count N, --profiles DIR (cpu-*.pb.gz, heap-*.pb.gz), --interval S,
// --port P (0: the first address picks one).
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { targetAddress } from './addresses.mjs';

const MAX_SECONDS = 60;

const { values } = parseArgs({
  options: { count: { type: 'string' }, profiles: { type: 'string' }, interval: { type: 'string', default: '15' }, port: { type: 'string', default: '0' } },
});
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1 || count > 60_000) throw new Error(`--count=${values.count}: want an integer in [1, 60000]`);
if (!values.profiles) throw new Error('--profiles DIR is required');
const intervalMs = Number(values.interval) * 1000;
if (!(intervalMs >= 1000)) throw new Error(`--interval=${values.interval}: want seconds >= 1`);
const lateAfterMs = intervalMs + Math.max(1000, intervalMs * 0.1);

function load(prefix) {
  const files = readdirSync(values.profiles).filter((f) => f.startsWith(prefix) && f.endsWith('.pb.gz')).sort();
  if (files.length === 0) throw new Error(`no ${prefix}*.pb.gz in ${values.profiles}`);
  return files.map((f) => Profile.decode(gunzipSync(readFileSync(join(values.profiles, f)))));
}

const str = (p, i) => String(p.stringTable.strings[Number(i)]);

// A copy of `base` with sample values scaled by `factor` (indexes in `only`, or all), at least 1.
function scaled(base, factor, only) {
  const p = Profile.decode(base.encode());
  for (const s of p.sample) {
    s.value = s.value.map((v, i) => {
      if (only && !only.has(i)) return v;
      const n = Number(v);
      return n === 0 ? v : Math.max(1, Math.round(n * factor));
    });
  }
  return p;
}

const cpuBases = load('cpu-');
const heapBases = load('heap-');
// Per-target factor in [0.7, 1.3): distinct bytes per target, same shape.
const factorOf = (i) => 0.7 + ((i * 7919) % 600) / 1000;

const cpuBodies = Array.from({ length: count }, (_, i) => gzipSync(scaled(cpuBases[i % cpuBases.length], factorOf(i)).encode()));
const heapTargets = Array.from({ length: count }, (_, i) => {
  const base = heapBases[i % heapBases.length];
  const alloc = new Set(base.sampleType.map((t, k) => (str(base, t.type).startsWith('alloc_') ? k : -1)).filter((k) => k >= 0));
  return { base: scaled(base, factorOf(i)), alloc, scrapes: 0 };
});

const stats = { cpu: 0, heap: 0, other: 0, cpuBytes: 0, heapBytes: 0, aborted: 0, late: 0, missedSlots: 0, maxGapMs: 0 };
const lastRequest = { cpu: new Float64Array(count), heap: new Float64Array(count) };

function punctuality(kind, i) {
  const now = performance.now();
  const prev = lastRequest[kind][i];
  lastRequest[kind][i] = now;
  if (prev === 0) return;
  const gap = now - prev;
  stats.maxGapMs = Math.max(stats.maxGapMs, gap);
  if (gap >= 1.5 * intervalMs) stats.missedSlots += Math.round(gap / intervalMs) - 1;
  else if (gap > lateAfterMs) stats.late++;
}

function handler(i) {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://target');
    if (url.pathname === '/debug/pprof/profile') {
      stats.cpu++;
      punctuality('cpu', i);
      const s = Number(url.searchParams.get('seconds') ?? '30');
      const seconds = Number.isFinite(s) && s > 0 ? Math.min(s, MAX_SECONDS) : 30;
      const timer = setTimeout(() => {
        stats.cpuBytes += cpuBodies[i].length;
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="profile"' }).end(cpuBodies[i]);
      }, seconds * 1000);
      res.on('close', () => {
        if (!res.writableFinished) stats.aborted++;
        clearTimeout(timer);
      });
      return;
    }
    if (url.pathname === '/debug/pprof/heap') {
      stats.heap++;
      punctuality('heap', i);
      const t = heapTargets[i];
      t.scrapes++;
      // Cumulative counters grow between scrapes; in-use values stay put.
      const body = gzipSync(scaled(t.base, 1 + t.scrapes / 20, t.alloc).encode());
      stats.heapBytes += body.length;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="heap"' }).end(body);
      return;
    }
    stats.other++;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
  };
}

function listen(i, port) {
  const server = createServer({ keepAliveTimeout: 60_000 }, handler(i));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, targetAddress(i), () => resolve(server.address().port));
  });
}

const port = await listen(0, Number(values.port));
for (let i = 1; i < count; i++) await listen(i, port);

process.on('message', (msg) => {
  if (msg?.type !== 'stats') return;
  process.send({ type: 'stats', stats: { ...stats } });
  // The longest gap is measured from the start of the measured window.
  if (msg.resetMaxGap) stats.maxGapMs = 0;
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', port, addresses: [targetAddress(0), targetAddress(count - 1)] });
