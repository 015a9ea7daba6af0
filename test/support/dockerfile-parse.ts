// Reads a Dockerfile into stages and instructions for the replay (image-replay.ts). It accepts
// exactly the instructions and flags the replay carries out and refuses everything else by name,
// so a Dockerfile that grows an ARG, an ADD or a `RUN --mount` fails the test instead of losing a
// step silently. Syntax follows Docker's reference: `\` continues a line, `#` starts a comment
// line (also inside a continued instruction), keywords are case-insensitive.

export type Instruction =
  | { kind: 'WORKDIR'; line: number; path: string }
  | { kind: 'COPY'; line: number; from?: string; chown?: string; sources: string[]; dest: string }
  /** `argv` is the exec form as written, or `['/bin/sh', '-c', text]` for the shell form. */
  | { kind: 'RUN'; line: number; argv: string[] }
  | { kind: 'ENV'; line: number; vars: [string, string][] }
  | { kind: 'EXPOSE'; line: number; ports: { port: number; protocol: 'tcp' | 'udp' }[] }
  | { kind: 'USER'; line: number; user: string }
  | { kind: 'VOLUME'; line: number; paths: string[] }
  | { kind: 'CMD' | 'ENTRYPOINT'; line: number; argv: string[] };

export interface Stage {
  /** Position among the FROMs, from 0; `COPY --from=<n>` may name a stage by it. */
  readonly index: number;
  /** The `AS` name, lower-cased as Docker does. */
  readonly name?: string;
  readonly base: string;
  readonly line: number;
  readonly instructions: Instruction[];
}

export interface Dockerfile {
  readonly file: string;
  readonly stages: Stage[];
}

export const HANDLED_INSTRUCTIONS = ['FROM', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'EXPOSE', 'VOLUME', 'USER', 'CMD', 'ENTRYPOINT'] as const;

/** Thrown for anything the replay does not carry out; the message names the file and line. */
export class DockerfileError extends Error {
  override readonly name = 'DockerfileError';
}

interface LogicalLine {
  line: number;
  text: string;
}

function logicalLines(text: string, file: string): LogicalLine[] {
  const raw = text.split(/\r?\n/);
  const out: LogicalLine[] = [];
  let pending: LogicalLine | undefined;
  let directivesAllowed = true;
  raw.forEach((content, i) => {
    const lineNo = i + 1;
    // Parser directives (`# syntax=`, `# escape=`, `# check=`) change how the rest is read.
    if (directivesAllowed && /^#\s*(syntax|escape|check)\s*=/i.test(content)) {
      throw new DockerfileError(`${file}:${lineNo}: parser directive "${content.trim()}" is not handled by the Dockerfile replay`);
    }
    directivesAllowed = false;
    // Comment lines and blank lines are dropped, inside a continued instruction too (as Docker does).
    if (/^\s*#/.test(content) || content.trim() === '') return;
    const continued = /\\\s*$/.test(content);
    const body = continued ? content.replace(/\\\s*$/, '') : content;
    if (pending === undefined) pending = { line: lineNo, text: body };
    else pending.text += body;
    if (!continued) {
      if (pending.text.trim() !== '') out.push({ line: pending.line, text: pending.text.trim() });
      pending = undefined;
    }
  });
  if (pending !== undefined) throw new DockerfileError(`${file}:${pending.line}: the instruction ends with a line continuation (\\) and no next line`);
  return out;
}

/** Leading `--name=value` flags of an instruction, checked against the ones the replay handles. */
function takeFlags(args: string, allowed: readonly string[], where: string, keyword: string): { flags: Map<string, string>; rest: string } {
  const flags = new Map<string, string>();
  let rest = args;
  for (let m = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest); m; m = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest)) {
    const name = m[1] as string;
    if (!allowed.includes(name)) {
      const handled = allowed.length > 0 ? `it handles ${allowed.map((a) => `--${a}`).join(', ')}` : 'it handles no flags there';
      throw new DockerfileError(`${where}: ${keyword} --${name} is not handled by the Dockerfile replay (${handled})`);
    }
    flags.set(name, m[2] ?? '');
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

function jsonArray(text: string, where: string, what: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DockerfileError(`${where}: ${what} looks like a JSON array but does not parse: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((v): v is string => typeof v === 'string')) {
    throw new DockerfileError(`${where}: ${what} must be a JSON array of strings, got ${text}`);
  }
  return parsed;
}

// Docker substitutes $VAR in these instructions from ARG/ENV; the replay does not, so it refuses
// rather than copy or create a path with a literal `$` in it.
function refuseVariables(text: string, where: string, keyword: string): void {
  if (text.includes('$')) throw new DockerfileError(`${where}: ${keyword} uses $ substitution, which the Dockerfile replay does not do: ${text}`);
}

/** Splits `a="b c" d=e` into words, honouring double quotes (with \ escapes), single quotes and \ outside quotes. */
function words(text: string, where: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
    } else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new DockerfileError(`${where}: unterminated ${c} quote in ${text}`);
      const inner = text.slice(i + 1, end);
      cur += c === '"' ? inner.replace(/\\(.)/g, '$1') : inner;
      i = end;
    } else {
      cur += c;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

function parseEnv(args: string, where: string): [string, string][] {
  refuseVariables(args, where, 'ENV');
  const first = /^\S+/.exec(args)?.[0] ?? '';
  if (!first.includes('=')) {
    // Legacy `ENV KEY value with spaces`.
    const value = args.slice(first.length).trim();
    if (first === '' || value === '') throw new DockerfileError(`${where}: ENV needs KEY=value, got "${args}"`);
    return [[first, value]];
  }
  return words(args, where).map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new DockerfileError(`${where}: ENV expects KEY=value pairs, got "${w}"`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

function parseInstruction(keyword: string, args: string, where: string, line: number): Instruction {
  switch (keyword) {
    case 'WORKDIR':
      refuseVariables(args, where, keyword);
      return { kind: 'WORKDIR', line, path: args };
    case 'COPY': {
      const { flags, rest } = takeFlags(args, ['from', 'chown'], where, keyword);
      refuseVariables(rest, where, keyword);
      const parts = jsonArray(rest, where, 'COPY') ?? rest.split(/\s+/);
      if (parts.length < 2) throw new DockerfileError(`${where}: COPY needs at least one source and a destination, got "${rest}"`);
      const from = flags.get('from');
      const chown = flags.get('chown');
      return {
        kind: 'COPY',
        line,
        ...(from !== undefined ? { from: from.toLowerCase() } : {}),
        ...(chown !== undefined ? { chown } : {}),
        sources: parts.slice(0, -1),
        dest: parts.at(-1) as string,
      };
    }
    case 'RUN': {
      const { rest } = takeFlags(args, [], where, keyword);
      return { kind: 'RUN', line, argv: jsonArray(rest, where, 'RUN') ?? ['/bin/sh', '-c', rest] };
    }
    case 'ENV':
      return { kind: 'ENV', line, vars: parseEnv(args, where) };
    case 'EXPOSE':
      refuseVariables(args, where, keyword);
      return {
        kind: 'EXPOSE',
        line,
        ports: args.split(/\s+/).map((p) => {
          const m = /^(\d+)(?:\/(tcp|udp))?$/i.exec(p);
          if (!m) throw new DockerfileError(`${where}: EXPOSE takes port[/tcp|udp], got "${p}"`);
          return { port: Number(m[1]), protocol: (m[2]?.toLowerCase() ?? 'tcp') as 'tcp' | 'udp' };
        }),
      };
    case 'USER':
      refuseVariables(args, where, keyword);
      if (!/^[^\s:]+(:[^\s:]+)?$/.test(args)) throw new DockerfileError(`${where}: USER takes user[:group], got "${args}"`);
      return { kind: 'USER', line, user: args };
    case 'VOLUME':
      refuseVariables(args, where, keyword);
      return { kind: 'VOLUME', line, paths: jsonArray(args, where, 'VOLUME') ?? args.split(/\s+/) };
    case 'CMD':
    case 'ENTRYPOINT': {
      const argv = jsonArray(args, where, keyword);
      if (argv === undefined) {
        throw new DockerfileError(
          `${where}: ${keyword} in shell form is not handled by the Dockerfile replay; write the exec form ` +
            `(${keyword} ["program", "arg"]), which also lets the process receive SIGTERM`,
        );
      }
      return { kind: keyword, line, argv };
    }
    default:
      throw new DockerfileError(
        `${where}: ${keyword} is not handled by the Dockerfile replay (test/support/image-replay.ts), which handles ` +
          `${HANDLED_INSTRUCTIONS.join(', ')}; teach the replay this instruction so no build step goes untested`,
      );
  }
}

/** Parses Dockerfile `text`; `file` names it in error messages. */
export function parseDockerfile(text: string, file: string): Dockerfile {
  const stages: Stage[] = [];
  for (const { line, text: t } of logicalLines(text, file)) {
    const where = `${file}:${line}`;
    const m = /^(\S+)\s*(.*)$/s.exec(t);
    const keyword = (m?.[1] ?? '').toUpperCase();
    const args = (m?.[2] ?? '').trim();
    if (keyword === 'FROM') {
      const { rest } = takeFlags(args, [], where, keyword);
      const from = /^(\S+)(?:\s+as\s+(\S+))?$/i.exec(rest);
      if (!from) throw new DockerfileError(`${where}: FROM takes image [AS name], got "${rest}"`);
      const base = from[1] as string;
      refuseVariables(base, where, keyword);
      const name = from[2]?.toLowerCase();
      if (stages.some((s) => s.name !== undefined && s.name === base.toLowerCase())) {
        throw new DockerfileError(`${where}: FROM an earlier stage (${base}) is not handled by the Dockerfile replay`);
      }
      if (name !== undefined && stages.some((s) => s.name === name)) throw new DockerfileError(`${where}: a stage named ${name} already exists`);
      stages.push({ index: stages.length, ...(name !== undefined ? { name } : {}), base, line, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new DockerfileError(`${where}: ${keyword} before the first FROM`);
    if (args === '') throw new DockerfileError(`${where}: ${keyword} has no arguments`);
    stage.instructions.push(parseInstruction(keyword, args, where, line));
  }
  if (stages.length === 0) throw new DockerfileError(`${file}: no FROM instruction`);
  return { file, stages };
}
