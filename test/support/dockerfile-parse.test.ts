import { describe, expect, it } from 'vitest';
import { parseDockerfile } from './dockerfile-parse.js';

const parse = (text: string) => parseDockerfile(text, 'Dockerfile');

describe('parseDockerfile', () => {
  it('reads stages, continued lines with comments inside, both RUN forms, flags and names', () => {
    const df = parse(`# a comment, not a directive
FROM node:20-bookworm-slim AS Build
WORKDIR /repo
COPY --from=0 --chown=node:node a b ./
RUN apt-get update \\
# a comment inside the continuation is dropped
 && echo done
RUN ["node", "-e", "1"]
ENV A=1 B="two words" C=x\\ y
ENV LEGACY value with spaces
EXPOSE 4040 53/udp
VOLUME ["/data"]

FROM gcr.io/distroless/static-debian12:nonroot
USER 65532:65532
ENTRYPOINT ["/go-service"]
CMD ["-listen", ":8080"]
`);
    expect(df.stages.map((s) => [s.index, s.name, s.base, s.line])).toEqual([
      [0, 'build', 'node:20-bookworm-slim', 2],
      [1, undefined, 'gcr.io/distroless/static-debian12:nonroot', 14],
    ]);
    expect(df.stages[0]?.instructions).toEqual([
      { kind: 'WORKDIR', line: 3, path: '/repo' },
      { kind: 'COPY', line: 4, from: '0', chown: 'node:node', sources: ['a', 'b'], dest: './' },
      { kind: 'RUN', line: 5, argv: ['/bin/sh', '-c', 'apt-get update  && echo done'] },
      { kind: 'RUN', line: 8, argv: ['node', '-e', '1'] },
      { kind: 'ENV', line: 9, vars: [['A', '1'], ['B', 'two words'], ['C', 'x y']] },
      { kind: 'ENV', line: 10, vars: [['LEGACY', 'value with spaces']] },
      { kind: 'EXPOSE', line: 11, ports: [{ port: 4040, protocol: 'tcp' }, { port: 53, protocol: 'udp' }] },
      { kind: 'VOLUME', line: 12, paths: ['/data'] },
    ]);
    expect(df.stages[1]?.instructions).toEqual([
      { kind: 'USER', line: 15, user: '65532:65532' },
      { kind: 'ENTRYPOINT', line: 16, argv: ['/go-service'] },
      { kind: 'CMD', line: 17, argv: ['-listen', ':8080'] },
    ]);
  });

  // Each of these would otherwise be a step the replay leaves out or does differently from Docker.
  it.each([
    { name: 'ARG', text: 'FROM x\nARG V=1\n', message: /^Dockerfile:2: ARG is not handled by the Dockerfile replay .* handles FROM, WORKDIR, COPY, RUN/ },
    { name: 'ADD', text: 'FROM x\nADD a.tar /\n', message: /^Dockerfile:2: ADD is not handled/ },
    { name: 'HEALTHCHECK', text: 'FROM x\nHEALTHCHECK CMD true\n', message: /^Dockerfile:2: HEALTHCHECK is not handled/ },
    { name: 'LABEL', text: 'FROM x\nLABEL a=b\n', message: /^Dockerfile:2: LABEL is not handled/ },
    { name: 'SHELL', text: 'FROM x\nSHELL ["bash", "-c"]\n', message: /^Dockerfile:2: SHELL is not handled/ },
    { name: 'RUN --mount', text: 'FROM x\nRUN --mount=type=cache,target=/c make\n', message: /^Dockerfile:2: RUN --mount is not handled .*no flags/ },
    { name: 'COPY --chmod', text: 'FROM x\nCOPY --chmod=755 a /a\n', message: /^Dockerfile:2: COPY --chmod is not handled .*--from, --chown/ },
    { name: 'FROM --platform', text: 'FROM --platform=linux/arm64 x\n', message: /^Dockerfile:1: FROM --platform is not handled/ },
    { name: 'shell-form CMD', text: 'FROM x\nCMD node main.js\n', message: /^Dockerfile:2: CMD in shell form is not handled .*exec form/ },
    { name: 'variable in COPY', text: 'FROM x\nCOPY $SRC /a\n', message: /^Dockerfile:2: COPY uses \$ substitution/ },
    { name: 'parser directive', text: '# escape=`\nFROM x\n', message: /^Dockerfile:1: parser directive "# escape=`" is not handled/ },
    { name: 'FROM an earlier stage', text: 'FROM x AS a\nFROM a\n', message: /^Dockerfile:2: FROM an earlier stage \(a\) is not handled/ },
    { name: 'instruction before FROM', text: 'RUN true\nFROM x\n', message: /^Dockerfile:1: RUN before the first FROM/ },
    { name: 'dangling continuation', text: 'FROM x\nRUN true \\\n', message: /^Dockerfile:2: the instruction ends with a line continuation/ },
    { name: 'no FROM', text: '# nothing\n', message: /^Dockerfile: no FROM instruction/ },
  ])('refuses $name with the file, line and what to do', ({ text, message }) => {
    expect(() => parse(text)).toThrow(message);
  });
});
