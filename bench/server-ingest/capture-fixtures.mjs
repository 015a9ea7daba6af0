#!/usr/bin/env node
// Captures the real profiles the ingest benchmark sends and writes them to fixtures/:
// Node.js wall-time profiles from node-service.mjs (@datadog/pprof, Express under load) and Go
// CPU profiles from go-service's /debug/pprof/profile (net/http/pprof under load). The committed
// fixtures were made with this script; re-run it to refresh them.
// Usage: node capture-fixtures.mjs
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures');
mkdirSync(fixtures, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), 'kprof-capture-'));

function report(file) {
  const gz = readFileSync(file);
  process.stderr.write(`${file}: ${gz.length} bytes gzipped, ${gunzipSync(gz).length} raw\n`);
}

try {
  for (const [name, seconds] of [['node-wall-10s.pb.gz', 10], ['node-wall-15s.pb.gz', 15]]) {
    execFileSync(process.execPath, [join(here, 'node-service.mjs'), join(fixtures, name), String(seconds)], { stdio: 'inherit' });
    report(join(fixtures, name));
  }

  const bin = join(tmp, 'go-service');
  execFileSync('go', ['build', '-o', bin, '.'], { cwd: join(here, 'go-service'), stdio: 'inherit', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  const child = spawn(bin, ['-addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const addr = await new Promise((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (d) => {
        text += d;
        const nl = text.indexOf('\n');
        if (nl >= 0) resolve(text.slice(0, nl).trim());
      });
      child.once('exit', (code) => reject(new Error(`go-service exited (${code}) before listening`)));
    });
    for (const [name, seconds] of [['go-cpu-5s.pb.gz', 5], ['go-cpu-10s.pb.gz', 10]]) {
      const res = await fetch(`http://${addr}/debug/pprof/profile?seconds=${seconds}`);
      if (!res.ok) throw new Error(`/debug/pprof/profile answered ${res.status}`);
      writeFileSync(join(fixtures, name), Buffer.from(await res.arrayBuffer()));
      report(join(fixtures, name));
    }
  } finally {
    child.kill();
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
