// The container images kprof builds: which Dockerfile and build context make each tag the
// Kubernetes example runs. The replay test builds every row, the manifest test checks that every
// image the manifests name is a row, and the Kubernetes README must show each row's build command.

export interface ImageSpec {
  /** The tag the Kubernetes manifests use. */
  readonly image: string;
  /** Repository-relative path of the Dockerfile. */
  readonly dockerfile: string;
  /** Repository-relative build context (`.` is the repository root, which pnpm workspaces need). */
  readonly context: string;
}

export const IMAGES: readonly ImageSpec[] = [
  { image: 'kprof/server-lite:dev', dockerfile: 'packages/server-lite/Dockerfile', context: '.' },
  { image: 'kprof/node-service:dev', dockerfile: 'examples/node-service/Dockerfile', context: '.' },
  { image: 'kprof/go-service:dev', dockerfile: 'examples/go-service/Dockerfile', context: 'examples/go-service' },
];

/** The `docker build` command, run from the repository root, that builds `spec` (`-f` only where the Dockerfile is not the context's own). */
export function dockerBuildCommand(spec: ImageSpec): string {
  const own = spec.dockerfile === (spec.context === '.' ? 'Dockerfile' : `${spec.context}/Dockerfile`);
  return `docker build ${own ? '' : `-f ${spec.dockerfile} `}-t ${spec.image} ${spec.context}`;
}
