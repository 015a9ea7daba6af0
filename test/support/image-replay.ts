// Builds a Dockerfile without Docker, step by step as `docker build` would, and starts the image:
// - the build context is the repository's tracked files (build-context.ts), so a file the
//   repository or a COPY line lacks is missing here too;
// - each stage the final one needs is built in order from its base's stand-in (base-images.ts),
//   COPY copying exactly what it names (image-copy.ts), RUN running the same command in the stage
//   (container-process.ts), WORKDIR, ENV, USER, EXPOSE, VOLUME, CMD and ENTRYPOINT recorded as
//   Docker records them; any other instruction is refused by the parser (dockerfile-parse.ts);
// - the image is the final stage's files and config, started with its ENTRYPOINT + CMD.
// What differs from a Docker build, on purpose: RUN steps reach this machine's package caches
// (pnpm store, npm cache, Go build cache) read-write at /replay-cache, as BuildKit cache mounts
// would, so a build does not download or compile what this machine already has; and they get
// this machine's proxy and CA settings, which a Docker daemon would be configured with.
// What it cannot catch: a Debian base stands in as this machine's Debian, which has more
// installed than a slim image, so a RUN that uses a tool the real image lacks (and does not
// install) passes here; the toolchain versions are checked, nothing else is.
import { createWriteStream, existsSync, mkdirSync, readFileSync, statfsSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { spawnSync } from 'node:child_process';
import { baseImage, type BaseImage } from './base-images.js';
import type { TrackedFiles } from './build-context.js';
import { containerLauncher, requireRoot, runBuildStep, writeContainerScript, type Bind, LAUNCHER_ENV } from './container-process.js';
import { parseDockerfile, type Instruction, type Stage } from './dockerfile-parse.js';
import { copyIntoImage, expandSource } from './image-copy.js';
import type { ImageSpec } from './images.js';
import { StageFs } from './stage-fs.js';

/** Variables of this machine's network setup that RUN steps inherit (a Docker daemon passes its proxy settings as build args). */
const NETWORK_ENV = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR'];
const CACHE_DIR = '/replay-cache';

const TMPFS_MAGIC = 0x01021994;
/** Scratch space a replay of the three images needs at its peak, with room to spare. */
const SCRATCH_BYTES = 3 * 1024 ** 3;

/**
 * Where replays should put their stages: /dev/shm when it is a tmpfs with room (installs copy some
 * 300 MB of packages per image and removing them after takes seconds on disk, both of which
 * tmpfs makes several times faster), else the OS temp dir.
 */
export function replayScratchRoot(): string {
  try {
    const s = statfsSync('/dev/shm');
    if (s.type === TMPFS_MAGIC && s.bavail * s.bsize >= SCRATCH_BYTES) return '/dev/shm';
  } catch {
    // No /dev/shm here: the temp dir below.
  }
  return tmpdir();
}

/** This machine's package caches that RUN steps share (see the file comment). */
export interface BuildCaches {
  /** pnpm's store directory (the one holding `v11/`). */
  readonly pnpmStore: string;
  readonly npmCache: string;
  readonly goBuildCache: string;
}

function commandOutput(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`\`${cmd} ${args.join(' ')}\` failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout.trim().split('\n').at(-1) ?? '';
}

/** Finds this machine's caches the way the tools themselves do (pnpm's store, npm's cache, `go env GOCACHE`). */
export function hostBuildCaches(repoRoot: string): BuildCaches {
  const store = commandOutput(process.execPath, [join(repoRoot, 'scripts', 'pnpm.mjs'), 'store', 'path'], repoRoot);
  const caches = {
    pnpmStore: /\/v\d+$/.test(store) ? posix.dirname(store) : store,
    npmCache: commandOutput('npm', ['config', 'get', 'cache'], repoRoot),
    goBuildCache: commandOutput('go', ['env', 'GOCACHE'], repoRoot),
  };
  for (const dir of Object.values(caches)) mkdirSync(dir, { recursive: true });
  return caches;
}

/** An image's config, as `docker inspect` would show it. */
export interface ImageConfig {
  env: Record<string, string>;
  user: string;
  workdir: string;
  entrypoint: string[];
  cmd: string[];
  exposedPorts: { port: number; protocol: 'tcp' | 'udp' }[];
  volumes: string[];
}

export interface ReplayedImage {
  readonly spec: ImageSpec;
  readonly fs: StageFs;
  readonly config: ImageConfig;
  /** Where the build's output and each step's duration are written. */
  readonly logFile: string;
  /** Each step, `file:line INSTRUCTION`, with its wall time. */
  readonly steps: { step: string; ms: number }[];
  /** What the context was taken from. */
  readonly context: { commit: string; source: 'HEAD' | 'working tree' };
}

export interface ReplayOptions {
  /** The repository's tracked files (build-context.ts's exportTrackedFiles); one export serves every build. */
  readonly tracked: TrackedFiles;
  /** Scratch directory for the context and the stages (removed by the caller). */
  readonly workDir: string;
  readonly logFile: string;
  readonly caches: BuildCaches;
  /** Longest a single RUN may take. Default 10 minutes. */
  readonly stepTimeoutMs?: number;
}

/** The stages the last one needs (through COPY --from), in Dockerfile order: BuildKit builds no others. */
function neededStages(stages: Stage[], file: string): Stage[] {
  const byRef = (ref: string, line: number): Stage => {
    const s = /^\d+$/.test(ref) ? stages[Number(ref)] : stages.find((x) => x.name === ref);
    if (s === undefined) throw new Error(`${file}:${line}: COPY --from=${ref} names no earlier stage; copying from an image is not handled by the replay`);
    return s;
  };
  const needed = new Set<Stage>();
  const visit = (s: Stage): void => {
    if (needed.has(s)) return;
    needed.add(s);
    for (const i of s.instructions) if (i.kind === 'COPY' && i.from !== undefined) visit(byRef(i.from, i.line));
  };
  visit(stages.at(-1) as Stage);
  return stages.filter((s) => needed.has(s));
}

function describe(i: Instruction): string {
  switch (i.kind) {
    case 'RUN':
      return `RUN ${i.argv[0] === '/bin/sh' && i.argv[1] === '-c' ? i.argv[2] : JSON.stringify(i.argv)}`;
    case 'COPY':
      return `COPY ${i.from !== undefined ? `--from=${i.from} ` : ''}${i.chown !== undefined ? `--chown=${i.chown} ` : ''}${[...i.sources, i.dest].join(' ')}`;
    case 'ENV':
      return `ENV ${i.vars.map(([k, v]) => `${k}=${v}`).join(' ')}`;
    case 'EXPOSE':
      return `EXPOSE ${i.ports.map((p) => `${p.port}/${p.protocol}`).join(' ')}`;
    case 'VOLUME':
      return `VOLUME ${JSON.stringify(i.paths)}`;
    case 'CMD':
    case 'ENTRYPOINT':
      return `${i.kind} ${JSON.stringify(i.argv)}`;
    case 'WORKDIR':
      return `WORKDIR ${i.path}`;
    case 'USER':
      return `USER ${i.user}`;
  }
}

class BuildLog {
  private readonly stream: WriteStream;
  constructor(readonly file: string) {
    mkdirSync(posix.dirname(file), { recursive: true });
    this.stream = createWriteStream(file);
  }
  get writable(): WriteStream {
    return this.stream;
  }
  line(text: string): void {
    this.stream.write(`${text}\n`);
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}

/** Replays `spec`'s Dockerfile (see the file comment) and returns the image it builds. */
export async function replayBuild(spec: ImageSpec, o: ReplayOptions): Promise<ReplayedImage> {
  requireRoot();
  const log = new BuildLog(o.logFile);
  const steps: { step: string; ms: number }[] = [];
  try {
    const { dir: tracked, ...context } = o.tracked;
    log.line(`# build context: ${spec.context} of ${context.source} (${context.commit}), tracked files only`);
    log.line(`# RUN steps share this machine's caches (${Object.values(o.caches).join(', ')}) and get its ` +
      `${NETWORK_ENV.filter((k) => process.env[k]).join(', ') || 'no'} network settings`);
    const contextDir = join(tracked, spec.context);
    const dockerfilePath = join(tracked, spec.dockerfile);
    if (!existsSync(dockerfilePath)) throw new Error(`${spec.dockerfile} is not tracked by git, so a clone has no such Dockerfile`);
    if (existsSync(join(contextDir, '.dockerignore'))) {
      throw new Error(`${spec.context}/.dockerignore exists, and the replay does not apply .dockerignore rules; teach it before relying on them`);
    }
    const dockerfile = parseDockerfile(readFileSync(dockerfilePath, 'utf8'), spec.dockerfile);
    const built = new Map<Stage, StageFs>();
    let final: { fs: StageFs; config: ImageConfig } | undefined;
    for (const stage of neededStages(dockerfile.stages, spec.dockerfile)) {
      const where = `${spec.dockerfile}:${stage.line}`;
      const base = baseImage(stage.base, where);
      base.checkToolchain?.();
      const fs = StageFs.create(join(o.workDir, 'stages', String(stage.index)), base);
      const config = initialConfig(base);
      log.line(`# ${where} FROM ${stage.base}${stage.name !== undefined ? ` AS ${stage.name}` : ''}`);
      let cmdSet = false;
      for (const instruction of stage.instructions) {
        const step = `${spec.dockerfile}:${instruction.line} ${describe(instruction)}`;
        log.line(`# ${step}`);
        const started = Date.now();
        switch (instruction.kind) {
          case 'WORKDIR':
            config.workdir = posix.resolve(config.workdir, instruction.path);
            fs.ensureDirectory(config.workdir);
            break;
          case 'ENV':
            for (const [k, v] of instruction.vars) config.env[k] = v;
            break;
          case 'USER':
            config.user = instruction.user;
            break;
          case 'EXPOSE':
            config.exposedPorts.push(...instruction.ports);
            break;
          case 'VOLUME':
            for (const p of instruction.paths) {
              const path = posix.resolve(config.workdir, p);
              fs.ensureDirectory(path);
              config.volumes.push(path);
            }
            break;
          case 'CMD':
            config.cmd = instruction.argv;
            cmdSet = true;
            break;
          case 'ENTRYPOINT':
            config.entrypoint = instruction.argv;
            // Docker: a new ENTRYPOINT drops the CMD inherited from the base image.
            if (!cmdSet) config.cmd = [];
            break;
          case 'COPY':
            copyStep(instruction, step, fs, config, instruction.from !== undefined ? stageByRef(dockerfile.stages, built, instruction.from) : undefined, contextDir, spec.context);
            break;
          case 'RUN':
            await runStep(instruction, step, fs, config, base, o, log);
            break;
        }
        steps.push({ step, ms: Date.now() - started });
      }
      built.set(stage, fs);
      final = { fs, config };
    }
    const last = final as { fs: StageFs; config: ImageConfig };
    log.line(`# steps (ms): ${steps.map((s) => `\n#   ${String(s.ms).padStart(7)}  ${s.step}`).join('')}`);
    return { spec, fs: last.fs, config: last.config, logFile: o.logFile, steps, context };
  } catch (err) {
    log.line(`# FAILED: ${(err as Error).message}`);
    throw err;
  } finally {
    await log.close();
  }
}

function initialConfig(base: BaseImage): ImageConfig {
  return {
    env: { ...base.env },
    user: base.user ?? 'root',
    workdir: '/',
    entrypoint: [...(base.entrypoint ?? [])],
    cmd: [...(base.cmd ?? [])],
    exposedPorts: [],
    volumes: [],
  };
}

function stageByRef(stages: Stage[], built: Map<Stage, StageFs>, ref: string): { fs: StageFs; name: string } {
  const stage = /^\d+$/.test(ref) ? stages[Number(ref)] : stages.find((s) => s.name === ref);
  const fs = stage !== undefined ? built.get(stage) : undefined;
  if (fs === undefined) throw new Error(`COPY --from=${ref}: that stage is not built before this one`);
  return { fs, name: ref };
}

function copyStep(
  i: Extract<Instruction, { kind: 'COPY' }>,
  step: string,
  fs: StageFs,
  config: ImageConfig,
  from: { fs: StageFs; name: string } | undefined,
  contextDir: string,
  contextName: string,
): void {
  let root: string;
  let rootName: string;
  if (from !== undefined) {
    for (const src of i.sources) {
      // Reading through a stage's overlay would need overlayfs's merge rules; the build's own output is what gets copied.
      if (from.fs.isOverlaid(posix.resolve('/', src))) {
        throw new Error(`${step}: the replay copies from a stage only what the build wrote outside ${from.fs.overlaid.map((d) => `/${d}`).join(', ')}`);
      }
    }
    root = from.fs.root;
    rootName = `stage ${from.name}`;
  } else {
    root = contextDir;
    rootName = `the build context (${contextName}, tracked files)`;
  }
  const sources = i.sources.flatMap((s) => expandSource(root, from !== undefined ? from.fs.resolve(posix.resolve('/', s)) : s, step, rootName));
  const destPath = posix.resolve(config.workdir, i.dest);
  const owner = i.chown !== undefined ? fs.user(i.chown) : { uid: 0, gid: 0 };
  copyIntoImage(sources, { hostPath: fs.writablePath(destPath), endsWithSlash: i.dest.endsWith('/') }, owner, step);
}

async function runStep(
  i: Extract<Instruction, { kind: 'RUN' }>,
  step: string,
  fs: StageFs,
  config: ImageConfig,
  base: BaseImage,
  o: ReplayOptions,
  log: BuildLog,
): Promise<void> {
  if (base.root === 'empty' && fs.locate(i.argv[0] as string) === undefined) {
    throw new Error(`${step}: ${i.argv[0]} does not exist in the image (its base has no shell or tools)`);
  }
  const user = fs.user(config.user);
  const env: Record<string, string> = { HOME: user.home, ...config.env };
  for (const k of NETWORK_ENV) {
    const v = process.env[k];
    if (v !== undefined && v !== '') env[k] = v;
  }
  // Named explicitly: pnpm would not use a store on another mount than the project (it could not
  // hard-link from it) and would start an empty one at /.pnpm-store, downloading everything.
  env.pnpm_config_store_dir = `${CACHE_DIR}/pnpm-store`;
  env.npm_config_cache = `${CACHE_DIR}/npm`;
  env.GOCACHE = `${CACHE_DIR}/go-build`;
  const binds: Bind[] = [
    { hostPath: o.caches.pnpmStore, imagePath: `${CACHE_DIR}/pnpm-store`, readOnly: false },
    { hostPath: o.caches.npmCache, imagePath: `${CACHE_DIR}/npm`, readOnly: false },
    { hostPath: o.caches.goBuildCache, imagePath: `${CACHE_DIR}/go-build`, readOnly: false },
  ];
  const script = join(fs.dir, `run-${i.line}.sh`);
  writeContainerScript({ fs, argv: i.argv, env, uid: user.uid, gid: user.gid, workdir: config.workdir, mode: 'build', binds }, script, { loopbackUp: false });
  const r = await runBuildStep(script, log.writable, { timeoutMs: o.stepTimeoutMs ?? 600_000 });
  if (r.status !== 0) {
    throw new Error(`${step} failed (exit ${r.status}); last lines of its output:\n${r.tail}\n(full build log: ${o.logFile})`);
  }
}

/** The process a container of the image starts: ENTRYPOINT followed by CMD. */
function containerArgv(config: ImageConfig): string[] {
  const argv = [...config.entrypoint, ...config.cmd];
  if (argv.length === 0) throw new Error('the image has neither ENTRYPOINT nor CMD');
  return argv;
}

export interface RunOptions {
  /** Environment added over the image's (a pod's `env`). */
  readonly env?: Readonly<Record<string, string>>;
  readonly binds?: readonly Bind[];
  readonly tmpfs?: readonly string[];
  /** Join the network namespace of this process (a pod's other container) instead of getting a new one. */
  readonly joinNetworkOf?: number;
}

/** Writes the script that starts `image`'s command and says how to launch it; start it with test-support's startProcess. */
export function containerStart(image: ReplayedImage, scriptFile: string, o: RunOptions = {}): { command: string; args: string[]; env: Record<string, string> } {
  requireRoot();
  const user = image.fs.user(image.config.user);
  const env = { HOME: user.home, ...image.config.env, ...o.env };
  writeContainerScript(
    {
      fs: image.fs,
      argv: containerArgv(image.config),
      env,
      uid: user.uid,
      gid: user.gid,
      workdir: image.config.workdir,
      mode: 'run',
      binds: o.binds ?? [],
      tmpfs: o.tmpfs ?? [],
      volumes: image.config.volumes,
    },
    scriptFile,
    { loopbackUp: o.joinNetworkOf === undefined },
  );
  const launcher = containerLauncher(scriptFile, o.joinNetworkOf !== undefined ? { join: o.joinNetworkOf } : 'own');
  return { ...launcher, env: LAUNCHER_ENV };
}
