#!/usr/bin/env node
// `npm start`: installs and builds what is missing, then runs the demo stack in the foreground:
//   server-lite   http://localhost:4040   (data in ./data)
//   node-service  http://localhost:3000   (@kprof/sdk pushing to server-lite; /debug/pprof on :6060, also scraped)
//   go-service    http://localhost:8080   (net/http/pprof; scraped by server-lite), where `go` is installed
// Ctrl-C stops everything cleanly.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrap } from './bootstrap.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg) => console.log(`[kprof] ${msg}`);

try {
  bootstrap();
} catch (err) {
  console.error(`[kprof] ${err.message}`);
  process.exit(1);
}

const children = [];
let stopping = false;

function run(name, cmd, args, env = {}) {
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `${name.padEnd(12)}| `;
  const pipe = (stream, out) => {
    let buf = '';
    stream.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        out.write(prefix + buf.slice(0, i + 1));
        buf = buf.slice(i + 1);
      }
    });
  };
  pipe(child.stdout, process.stdout);
  pipe(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${name} exited (${signal ?? code}); stopping the others`);
      shutdown(1);
    }
  });
  children.push(child);
  return child;
}

function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  const deadline = setTimeout(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  }, 10_000);
  deadline.unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

const dataDir = process.env.KPROF_DATA_DIR ?? join(root, 'data');
mkdirSync(dataDir, { recursive: true });
run('server-lite', process.execPath, [join(root, 'packages/server-lite/dist/cli.js'),
  '--config', join(root, 'examples/local/kprof.yml'), '--data-dir', dataDir, '--listen', process.env.KPROF_LISTEN ?? ':4040']);

run('node-service', process.execPath, ['--enable-source-maps', join(root, 'examples/node-service/dist/main.js')], {
  PORT: '3000', ADMIN_PORT: '6060', KPROF_SERVER_ADDRESS: 'http://localhost:4040', SELF_LOAD: '1',
});

const hasGo = spawnSync('sh', ['-c', 'command -v go'], { stdio: 'ignore' }).status === 0;
if (hasGo) {
  const bin = join(root, '.tools', 'bin', 'go-service');
  mkdirSync(dirname(bin), { recursive: true });
  const b = spawnSync('go', ['build', '-o', bin, '.'], { cwd: join(root, 'examples/go-service'), stdio: 'inherit' });
  if (b.status === 0 && existsSync(bin)) run('go-service', bin, ['-listen', ':8080', '-self-load']);
  else log('could not build examples/go-service; continuing without it');
} else {
  log('`go` not found: the Go example is skipped (install Debian golang-go to include it)');
}

log('UI and APIs:   http://localhost:4040');
log('Scrape targets: http://localhost:4040/targets   (examples/local/kprof.yml pulls :8080 and :6060 as go-service / node-service-pull)');
log('Node example:  http://localhost:3000   (pprof: http://localhost:6060/debug/pprof/)');
if (hasGo) log('Go example:    http://localhost:8080   (pprof: http://localhost:8080/debug/pprof/)');
log('Ctrl-C to stop');
