// What stands in for each base image the Dockerfiles start FROM, since no image can be pulled
// here. The Debian-based images (node, golang) become this machine's own Debian /usr, /etc and
// /var, seen copy-on-write, so a RUN's apt-get or rm changes only the replay's layer; the parts
// of the real image the Dockerfiles rely on are added: its users, environment, entrypoint. The
// toolchain has to be the image's (Node 20, Go 1.19), checked before a stage starts. distroless
// becomes an empty root with its users: a binary that needs libc or a shell fails there as in
// the real image.
import { spawnSync } from 'node:child_process';

/** Docker's default PATH for a container whose image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ImageUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

export interface BaseImage {
  /** `host`: this machine's Debian, copy-on-write; `empty`: only what this entry lists. */
  readonly root: 'host' | 'empty';
  /** The image's ENV. */
  readonly env: Readonly<Record<string, string>>;
  /** The image's USER (default root). */
  readonly user?: string;
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  /** Users (and their primary groups) the image has besides root. */
  readonly users: readonly ImageUser[];
  /** Files the image has that this machine lacks (image path → mode and content). */
  readonly files?: Readonly<Record<string, { mode: number; content: string }>>;
  /** Throws when this machine's toolchain is not the one the image ships. */
  readonly checkToolchain?: () => void;
}

function toolVersion(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { PATH: DEFAULT_PATH } });
  if (r.error) return `(${cmd} not found: ${r.error.message})`;
  return `${r.stdout}${r.stderr}`.trim();
}

function requireTool(image: string, cmd: string, args: string[], expected: RegExp, what: string): void {
  const version = toolVersion(cmd, args);
  if (!expected.test(version)) {
    throw new Error(
      `FROM ${image} is replayed with this machine's ${cmd}, which must be ${what}, but \`${cmd} ${args.join(' ')}\` says ` +
        `"${version}"; install ${what} (as \`npm test\` does for Go with Debian's golang-go) or change the Dockerfile's FROM and this stand-in together`,
    );
  }
}

// The node image's entrypoint behaviour, as its documentation describes it: a first argument that
// is an option, or is not a command, is handed to node; any other command runs unchanged.
const NODE_ENTRYPOINT = `#!/bin/sh
set -e
if [ "\${1#-}" != "$1" ] || ! command -v "$1" >/dev/null 2>&1 || { [ -f "$1" ] && [ ! -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
`;

const NODE_20: BaseImage = {
  root: 'host',
  env: { PATH: DEFAULT_PATH },
  entrypoint: ['docker-entrypoint.sh'],
  cmd: ['node'],
  users: [{ name: 'node', uid: 1000, gid: 1000, home: '/home/node' }],
  files: { '/usr/local/bin/docker-entrypoint.sh': { mode: 0o755, content: NODE_ENTRYPOINT } },
  checkToolchain: () => requireTool('node:20-bookworm-slim', 'node', ['--version'], /^v20\./, 'Node.js 20'),
};

/** Base images by the name a FROM uses. */
export const BASE_IMAGES: Readonly<Record<string, BaseImage>> = {
  'node:20-bookworm-slim': NODE_20,
  'golang:1.19': {
    root: 'host',
    env: { PATH: `/go/bin:/usr/local/go/bin:${DEFAULT_PATH}`, GOPATH: '/go' },
    users: [],
    checkToolchain: () => requireTool('golang:1.19', 'go', ['version'], /\bgo1\.19(\.\d+)?\b/, 'Go 1.19'),
  },
  'gcr.io/distroless/static-debian12:nonroot': {
    root: 'empty',
    env: { PATH: DEFAULT_PATH, SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt' },
    user: '65532',
    users: [
      { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' },
      { name: 'nonroot', uid: 65532, gid: 65532, home: '/home/nonroot' },
    ],
  },
};

export function baseImage(name: string, where: string): BaseImage {
  const base = BASE_IMAGES[name];
  if (base === undefined) {
    throw new Error(
      `${where}: FROM ${name} has no stand-in in test/support/base-images.ts (known: ${Object.keys(BASE_IMAGES).join(', ')}); ` +
        'add one that says what of this machine replaces the image',
    );
  }
  return base;
}
