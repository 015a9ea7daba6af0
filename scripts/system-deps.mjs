#!/usr/bin/env node
// Installs the system tools the test suite runs for real: Go (a real net/http/pprof program and
// `go tool pprof`) and Chromium (UI tests), from Debian's packages, only where they are missing;
// checks for kubectl, which has no usable Debian package.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const TOOLS = [
  { name: 'go', pkg: 'golang-go', present: () => has('go') },
  { name: 'chromium', pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') },
];
// Needed too, with no usable Debian package: kubectl renders examples/kubernetes (`kubectl kustomize`),
// and Debian's kubernetes-client (1.20) is too old for that kustomization's `labels` field.
const UNPACKAGED = [{ name: 'kubectl', present: () => has('kubectl'), how: 'install kubectl 1.24 or later and put it on PATH' }];

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function ensureSystemDeps() {
  const unpackaged = UNPACKAGED.filter((t) => !t.present());
  if (unpackaged.length) throw new Error(`missing ${unpackaged.map((t) => `${t.name}: ${t.how}`).join('; ')}`);
  const missing = TOOLS.filter((t) => !t.present());
  if (missing.length === 0) return;
  const pkgs = missing.map((t) => t.pkg);
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = asRoot ? [] : has('sudo') ? ['sudo', '-n'] : null;
  if (!has('apt-get') || sudo === null) {
    throw new Error(`missing ${missing.map((t) => t.name).join(', ')}; install the Debian packages ${pkgs.join(' ')} (apt-get install -y ${pkgs.join(' ')}) and run again`);
  }
  console.log(`[kprof] installing ${pkgs.join(', ')} from Debian's packages (about a minute, once)`);
  const run = (args) => {
    const [cmd, ...rest] = [...sudo, ...args];
    const r = spawnSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`'${args.join(' ')}' failed (exit ${r.status})`);
  };
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...pkgs]);
  const still = missing.filter((t) => !t.present());
  if (still.length) throw new Error(`${still.map((t) => t.name).join(', ')} still missing after apt-get install`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    ensureSystemDeps();
  } catch (err) {
    console.error(`[kprof] ${err.message}`);
    process.exit(1);
  }
}
