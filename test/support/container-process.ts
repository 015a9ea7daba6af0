// Runs a command inside a replayed image the way a container runtime would: in its own mount
// namespace, with the image's layers mounted, chrooted into the image root, as the image's user,
// in its working directory, with exactly the image's environment. Build steps (RUN) also get their
// own PID namespace, so nothing they start outlives them; a running container can get its own
// network namespace (a pod's), so it listens on its real ports without meeting this machine's.
// Needs root: mount namespaces, overlayfs and chroot.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { DEFAULT_PATH } from './base-images.js';
import type { StageFs } from './stage-fs.js';

/** A directory of this machine mounted into the image (a ConfigMap or secret volume, a build cache). */
export interface Bind {
  readonly hostPath: string;
  readonly imagePath: string;
  readonly readOnly: boolean;
}

export interface ContainerCommand {
  readonly fs: StageFs;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly uid: number;
  readonly gid: number;
  readonly workdir: string;
  /** `build`: a RUN step, the stage's layers writable. `run`: a container, its root read-only (as the Kubernetes example runs them). */
  readonly mode: 'build' | 'run';
  readonly binds?: readonly Bind[];
  /** Empty writable directories (emptyDir, `--tmpfs`). */
  readonly tmpfs?: readonly string[];
  /** Directories that stay writable on the read-only root (the image's VOLUMEs). */
  readonly volumes?: readonly string[];
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function requireRoot(): void {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error(
      'the Dockerfile replay needs root (mount namespaces, overlayfs, chroot, switching to the image user); ' +
        'run `npm test` as root, as CI does',
    );
  }
}

/** Writes the shell script that mounts the image and execs `c.argv` inside it. */
export function writeContainerScript(c: ContainerCommand, scriptFile: string, { loopbackUp }: { loopbackUp: boolean }): void {
  const R = c.fs.root;
  const at = (imagePath: string): string => shq(`${R}${c.fs.resolve(imagePath)}`);
  // Mountpoints must exist in the image before anything is mounted on them.
  for (const p of [...(c.binds ?? []).map((b) => b.imagePath), ...(c.tmpfs ?? []), ...(c.volumes ?? [])]) c.fs.ensureDirectory(p);

  const lines = ['set -e'];
  // A bind of the root onto itself, so it can be made read-only last without touching its submounts.
  if (c.mode === 'run') lines.push(`mount --bind ${shq(R)} ${shq(R)}`);
  for (const name of c.fs.overlaid) {
    const options =
      c.mode === 'build'
        ? `lowerdir=/${name},upperdir=${c.fs.upper(name)},workdir=${c.fs.work(name)}`
        : `ro,lowerdir=${c.fs.upper(name)}:/${name}`;
    lines.push(`mount -t overlay kprof-replay -o ${shq(options)} ${shq(`${R}/${name}`)}`);
  }
  lines.push(`mount --rbind /dev ${shq(`${R}/dev`)}`, `mount -t proc proc ${shq(`${R}/proc`)}`);
  for (const b of c.binds ?? []) {
    lines.push(`mount --bind ${shq(b.hostPath)} ${at(b.imagePath)}`);
    if (b.readOnly) lines.push(`mount -o remount,bind,ro ${at(b.imagePath)}`);
  }
  for (const p of c.tmpfs ?? []) lines.push(`mount -t tmpfs -o mode=1777 kprof-replay-tmp ${at(p)}`);
  for (const p of c.volumes ?? []) lines.push(`mount --bind ${at(p)} ${at(p)}`);
  if (c.mode === 'run') lines.push(`mount -o remount,bind,ro ${shq(R)}`);
  // A new network namespace starts with loopback down.
  if (loopbackUp) lines.push('ip link set lo up');
  const env = Object.entries(c.env).map(([k, v]) => shq(`${k}=${v}`));
  lines.push(
    `exec env -i ${env.join(' ')} unshare --root=${shq(R)} --wd=${shq(c.workdir)} --setuid ${c.uid} --setgid ${c.gid} -- ${c.argv.map(shq).join(' ')}`,
  );
  writeFileSync(scriptFile, `${lines.join('\n')}\n`);
}

/** How to start a container's script: its own network namespace, or the one process `joinPid` is in. */
export function containerLauncher(scriptFile: string, network: { join: number } | 'own'): { command: string; args: string[] } {
  const inMountNs = ['unshare', '--mount', '--propagation', 'private'];
  if (network === 'own') return { command: inMountNs[0] as string, args: [...inMountNs.slice(1), '--net', '--', '/bin/sh', scriptFile] };
  return { command: 'nsenter', args: [`--net=/proc/${network.join}/ns/net`, '--', ...inMountNs, '--', '/bin/sh', scriptFile] };
}

/** The environment the launchers themselves run with (the image's own is set inside the script). */
export const LAUNCHER_ENV = { PATH: DEFAULT_PATH };

/**
 * Runs a build step's script to completion in its own mount and PID namespaces, on this machine's
 * network as `docker build` does. Output goes to `log` and the last `tailLines` lines are kept for
 * the error message. After `timeoutMs` the step is killed with everything it started.
 */
export function runBuildStep(scriptFile: string, log: Writable, { timeoutMs, tailLines = 60 }: { timeoutMs: number; tailLines?: number }): Promise<{ status: number | string; tail: string }> {
  return new Promise((resolve, reject) => {
    // --kill-child: when the step is killed, the PID namespace goes with it.
    const child = spawn('unshare', ['--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', '--', '/bin/sh', scriptFile], {
      env: LAUNCHER_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail: string[] = [];
    let partial = '';
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      const text = partial + chunk.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      tail = [...tail, ...lines].slice(-tailLines);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not start unshare for a build step: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const lines = partial !== '' ? [...tail, partial].slice(-tailLines) : tail;
      const status = timedOut ? `killed after ${timeoutMs} ms` : code ?? signal ?? 'unknown';
      resolve({ status, tail: lines.join('\n') });
    });
  });
}
