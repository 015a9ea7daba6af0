// Captures real Go pprof bytes for the target fleet: builds examples/go-service, runs it with its
// own CPU and allocation load plus HTTP traffic (so net/http stacks show, as in a real service),
// and saves `cpuCount` CPU profiles (profile?seconds=S, taken one
// after another as runtime/pprof allows one at a time) and as many heap profiles.
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes cpu-<k>.pb.gz and heap-<k>.pb.gz into `dir` and returns their sizes in bytes.
 * `goServiceDir` is examples/go-service; `seconds` is the length of each CPU profile.
 */
export async function captureGoProfiles({ goServiceDir, dir, cpuCount = 3, seconds = 3 }) {
  const bin = join(dir, 'go-service');
  execFileSync('go', ['build', '-o', bin, '.'], { cwd: goServiceDir, stdio: ['ignore', 'ignore', 'inherit'] });
  const child = spawn(bin, ['-listen', '127.0.0.1:0', '-self-load'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const base = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`go-service did not say where it listens: ${out}`)), 30_000);
      child.stdout.on('data', (c) => {
        out += c;
        const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`go-service exited (${code}): ${out}`)); });
    });
    // Keep four requests in flight against the CPU and allocating handlers while profiling.
    let loading = true;
    const paths = ['/cpu?rounds=20000', '/alloc?kib=16', '/healthz'];
    const load = Array.from({ length: 4 }, async (_, w) => {
      for (let n = w; loading; n++) await fetch(base + paths[n % paths.length]).then((r) => r.arrayBuffer()).catch(() => undefined);
    });
    const sizes = { cpu: [], heap: [] };
    for (let k = 0; k < cpuCount; k++) {
      for (const [kind, path] of [['cpu', `/debug/pprof/profile?seconds=${seconds}`], ['heap', '/debug/pprof/heap']]) {
        const res = await fetch(base + path);
        if (res.status !== 200) throw new Error(`go-service ${path}: HTTP ${res.status}`);
        const body = Buffer.from(await res.arrayBuffer());
        writeFileSync(join(dir, `${kind}-${k}.pb.gz`), body);
        sizes[kind].push(body.length);
      }
    }
    loading = false;
    await Promise.all(load);
    return sizes;
  } finally {
    child.kill('SIGKILL');
  }
}
